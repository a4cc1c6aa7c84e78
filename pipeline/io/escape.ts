/**
 * Text made safe inside HTML or SVG markup, in element content and in quoted attributes alike. Every piece of
 * markup the pipeline writes by hand (chart names, index page, print header/footer, e-mail body) uses this one.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
