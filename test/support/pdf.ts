import { readFile } from 'node:fs/promises';

/** Text and metadata of a PDF, read with pdfjs-dist (no browser): what a reader's PDF viewer would show. */
export interface PdfSummary {
  pages: string[];
  text: string;
  pageCount: number;
  title: string | null;
  lang: string | null;
  /** Page sizes in PDF points. */
  sizes: { width: number; height: number }[];
  outline: string[];
}

export async function readPdf(path: string): Promise<PdfSummary> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const data = new Uint8Array(await readFile(path));
  const doc = await getDocument({ data, useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const pages: string[] = [];
    const sizes: { width: number; height: number }[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const [x0, y0, x1, y1] = page.view as [number, number, number, number];
      sizes.push({ width: x1 - x0, height: y1 - y0 });
      const content = await page.getTextContent();
      pages.push(content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join(''));
    }
    const info = (await doc.getMetadata()).info as unknown as Record<string, unknown>;
    const outline = ((await doc.getOutline()) ?? []).flatMap(function walk(item): string[] {
      return [item.title, ...(item.items ?? []).flatMap(walk)];
    });
    return {
      pages,
      text: pages.join('\n'),
      pageCount: doc.numPages,
      title: typeof info.Title === 'string' ? info.Title : null,
      lang: typeof info.Language === 'string' ? info.Language : null,
      sizes,
      outline,
    };
  } finally {
    await doc.destroy();
  }
}

/** Text with runs of white space (line breaks, no-break spaces) folded to one space, for phrase matching. */
export function squash(text: string): string {
  return text.replace(/[\s\u00a0\u202f]+/g, ' ');
}
