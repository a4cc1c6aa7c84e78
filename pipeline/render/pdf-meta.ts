import type { PDFDict, PDFDocument } from 'pdf-lib';
import type { Briefing } from '../briefing/content.js';
import type { Lang } from '../briefing/model.js';
import { plain } from '../text/rich.js';

/**
 * The PDF's metadata, set after Chromium has printed it: the Info dictionary, an XMP stream saying the same, /Lang, and
 * the outline's titles repaired; everything else Chromium wrote (structure tree, outline, fonts) stays. Dates are the
 * figures' own, never the clock: the same briefing gives the same bytes.
 */

type PdfLib = typeof import('pdf-lib');

/** pdf-lib, loaded on first use, or ahead while Chromium prints (the module system keeps it). */
export const loadPdfLib = (): Promise<PdfLib> => import('pdf-lib');

const keywords: Record<Lang, string[]> = {
  nn: ['SSB', 'IKT', 'føretak', 'Bruk av IKT i næringslivet'],
  nb: ['SSB', 'IKT', 'foretak', 'Bruk av IKT i næringslivet'],
  en: ['Statistics Norway', 'ICT', 'enterprises', 'ICT usage in enterprises'],
};

/**
 * The briefing's PDF metadata, made by `creator`. The dates are when the figures were first published and last revised
 * (SSB publishes at 08:00 Oslo time); null when no source says, and then the PDF has no such date. The headings are
 * there because Chromium's outline joins a wrapped heading's lines without a space ("usesocial media").
 */
export function pdfMetadata(b: Briefing, creator: string) {
  const at = (date: string | null) => (date ? new Date(`${date}T08:00:00+01:00`) : null);
  return {
    title: b.title,
    author: b.ui.author,
    subject: plain(b.headline.text),
    keywords: keywords[b.lang],
    lang: b.lang,
    creationDate: at(b.published),
    // Revised later by a source without a date: when is unknown, so the PDF says nothing of it.
    modificationDate: b.revisedUndated ? null : at(b.revised ?? b.published),
    creator,
    headings: [
      plain(b.headline.text),
      b.ui.keyFigures,
      ...b.sections.map((s) => plain(s.heading.text)),
      ...(b.notes.length ? [b.ui.notes] : []),
      b.ui.about,
      b.ui.sources,
      b.ui.changesHeading,
      b.ui.appendix,
    ],
  };
}
type PdfMetadata = ReturnType<typeof pdfMetadata>;

/** The metadata set, and the number of pages (pdf-lib's page tree count). */
export async function finishPdf(pdf: Uint8Array, meta: PdfMetadata): Promise<{ bytes: Uint8Array; pageCount: number }> {
  const lib = await loadPdfLib();
  const { PDFName } = lib;
  // No pauses every 100 objects read or 50 written (pdf-lib's defaults, for browsers' UI threads): a run waits for this.
  const doc = await lib.PDFDocument.load(pdf, { updateMetadata: false, parseSpeed: Number.POSITIVE_INFINITY });
  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  doc.setAuthor(meta.author);
  doc.setSubject(meta.subject);
  // pdf-lib joins keywords with spaces; keywords of several words need a separator that reads as one.
  doc.setKeywords([meta.keywords.join(', ')]);
  doc.setCreator(meta.creator);
  // The Info dictionary Chromium wrote (pdf-lib keeps its own accessor private).
  const info = doc.context.lookup(doc.context.trailerInfo.Info, lib.PDFDict);
  if (meta.creationDate) doc.setCreationDate(meta.creationDate);
  else info.delete(PDFName.of('CreationDate'));
  if (meta.modificationDate) doc.setModificationDate(meta.modificationDate);
  else info.delete(PDFName.of('ModDate'));
  doc.setLanguage(meta.lang);
  const xmp = xmpPacket(meta, doc.getProducer() ?? 'Skia/PDF');
  const stream = doc.context.stream(new Uint8Array(Buffer.from(xmp, 'utf8')), { Type: 'Metadata', Subtype: 'XML' });
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(stream));
  repairOutline(lib, doc, meta.headings);
  const pageCount = doc.getPageCount();
  const bytes = await doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false, objectsPerTick: Number.POSITIVE_INFINITY });
  return { bytes, pageCount };
}

function repairOutline(lib: PdfLib, doc: PDFDocument, headings: string[]): void {
  const { PDFHexString, PDFName, PDFString } = lib;
  const bare = (text: string) => text.replace(/\s+/g, '');
  // Chromium has also been seen to repeat a heading's text in its entry ("MerknaderMerknader").
  const matching = (text: string) => headings.find((h) => [1, 2, 3].some((k) => bare(h).repeat(k) === bare(text)));
  const outlines = doc.catalog.lookupMaybe(PDFName.of('Outlines'), lib.PDFDict);
  const seen = new Set<PDFDict>();
  const visit = (item: PDFDict | undefined): void => {
    while (item && !seen.has(item)) {
      seen.add(item);
      const title = item.lookup(PDFName.of('Title'));
      if (title instanceof PDFString || title instanceof PDFHexString) {
        const text = title.decodeText();
        const fixed = matching(text);
        if (fixed !== undefined && fixed !== text) item.set(PDFName.of('Title'), PDFHexString.fromText(fixed));
      }
      visit(item.lookupMaybe(PDFName.of('First'), lib.PDFDict));
      item = item.lookupMaybe(PDFName.of('Next'), lib.PDFDict);
    }
  };
  visit(outlines?.lookupMaybe(PDFName.of('First'), lib.PDFDict));
}

function xmpPacket(meta: PdfMetadata, producer: string): string {
  const x = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const created = meta.creationDate ? iso(meta.creationDate) : null;
  const modified = meta.modificationDate ? iso(meta.modificationDate) : null;
  const alt = (text: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${x(text)}</rdf:li><rdf:li xml:lang="${x(meta.lang)}">${x(text)}</rdf:li></rdf:Alt>`;
  return `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<dc:format>application/pdf</dc:format>
<dc:title>${alt(meta.title)}</dc:title>
<dc:creator><rdf:Seq><rdf:li>${x(meta.author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description>${alt(meta.subject)}</dc:description>
<dc:language><rdf:Bag><rdf:li>${x(meta.lang)}</rdf:li></rdf:Bag></dc:language>
<pdf:Keywords>${x(meta.keywords.join(', '))}</pdf:Keywords>
<pdf:Producer>${x(producer)}</pdf:Producer>
<xmp:CreatorTool>${x(meta.creator)}</xmp:CreatorTool>
${created ? `<xmp:CreateDate>${created}</xmp:CreateDate>\n` : ''}${modified ? `<xmp:ModifyDate>${modified}</xmp:ModifyDate>\n<xmp:MetadataDate>${modified}</xmp:MetadataDate>\n` : ''}</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>`;
}
