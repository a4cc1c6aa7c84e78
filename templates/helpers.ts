import type HandlebarsNamespace from 'handlebars';

type Handlebars = typeof HandlebarsNamespace;
type Segment = string | { note: number };

/**
 * Helpers for the briefing's templates. Every value that comes from data is escaped here; the only markup a
 * helper adds is the footnote link, built from a number.
 */
export function registerHelpers(hb: Handlebars): void {
  /**
   * A paragraph of text segments and footnote references: escaped text, `<sup>` links for notes. The link's
   * accessible name is "Merknad 1" (the root context's `noteLabel` and the number), not a bare "1".
   */
  hb.registerHelper('paragraph', (segments: Segment[], options: HandlebarsNamespace.HelperOptions) => {
    const label = String((options.data?.root as { noteLabel?: unknown } | undefined)?.noteLabel ?? '');
    const html = segments
      .map((segment) => {
        if (typeof segment === 'string') return hb.escapeExpression(segment);
        const n = Number(segment.note);
        return `<sup class="note-ref"><a href="#note-${n}" aria-label="${hb.escapeExpression(`${label} ${n}`.trim())}">${n}</a></sup>`;
      })
      .join('');
    return new hb.SafeString(html);
  });
  hb.registerHelper('first', (rows: unknown[]) => rows[0] ?? []);
  hb.registerHelper('rest', (rows: unknown[]) => rows.slice(1));
}
