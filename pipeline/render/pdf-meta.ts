import type { PDFDict, PDFDocument } from 'pdf-lib';
import type { Briefing } from '../briefing/content.js';
import { author } from './html.js';

/**
 * The PDF's document metadata, set after Chromium has printed it: Info dictionary (Title, Author, Subject,
 * Keywords, Creator, CreationDate, ModDate), an XMP metadata stream saying the same, the catalog's /Lang, and
 * the outline's titles repaired. pdf-lib rewrites the file with every object Chromium wrote, so the structure tree
 * (tagged PDF), the outline, the fonts and /Lang stay as they were.
 *
 * Dates are the edition's date, not the clock: the same briefing gives the same bytes.
 *
 * pdf-lib is loaded on first use, or ahead with `loadPdfLib()` while Chromium prints (a run waits for the printer
 * anyway, and nothing else needs the library).
 */

type PdfLib = typeof import('pdf-lib');
let pdfLib: Promise<PdfLib> | undefined;

/** pdf-lib, loaded once. */
export function loadPdfLib(): Promise<PdfLib> {
  pdfLib ??= import('pdf-lib');
  return pdfLib;
}

export interface PdfMetadata {
  title: string;
  author: string;
  subject: string;
  keywords?: string[];
  /** BCP 47: nn, nb, en. */
  lang: string;
  /** Creation and modification date (the edition's date). */
  creationDate: Date;
  /** The application that made the document. @default "ssb-briefing" */
  creator?: string;
  /**
   * The document's headings as text. Chromium writes an outline entry per heading but joins the lines of a
   * wrapped heading without a space ("usesocial media"); entries that match a heading once spaces are ignored get
   * the heading's text back.
   */
  headings?: string[];
}

export async function setPdfMetadata(pdf: Uint8Array, meta: PdfMetadata): Promise<Uint8Array> {
  const lib = await loadPdfLib();
  const { PDFName } = lib;
  // No pauses every 100 objects read or 50 written (pdf-lib's defaults, for browsers' UI threads): a pause is a
  // timer turn, and a run waits for this PDF.
  const doc = await lib.PDFDocument.load(pdf, { updateMetadata: false, parseSpeed: Number.POSITIVE_INFINITY });
  const creator = meta.creator ?? 'ssb-briefing';
  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  doc.setAuthor(meta.author);
  doc.setSubject(meta.subject);
  // pdf-lib joins keywords with spaces; keywords of several words need a separator that reads as one.
  if (meta.keywords?.length) doc.setKeywords([meta.keywords.join(', ')]);
  doc.setCreator(creator);
  doc.setCreationDate(meta.creationDate);
  doc.setModificationDate(meta.creationDate);
  doc.setLanguage(meta.lang);
  const producer = doc.getProducer() ?? 'Skia/PDF';
  const xmp = xmpPacket({ ...meta, creator, producer });
  const stream = doc.context.stream(new Uint8Array(Buffer.from(xmp, 'utf8')), { Type: 'Metadata', Subtype: 'XML' });
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(stream));
  if (meta.headings?.length) repairOutline(lib, doc, meta.headings);
  return doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false, objectsPerTick: Number.POSITIVE_INFINITY });
}

/** What build.ts passes for one briefing: its title, headline as subject, language and the edition date. */
export function pdfMetadataFor(briefing: Briefing, editionDate: string | null, version: string): PdfMetadata {
  return {
    title: briefing.title,
    author: author[briefing.lang],
    subject: briefing.headline,
    keywords: keywords[briefing.lang],
    lang: briefing.lang,
    // Without a publication date, noon on the last day of the year the figures are for: stable across runs.
    creationDate: new Date(editionDate ? (editionDate.length === 10 ? `${editionDate}T12:00:00Z` : editionDate) : `${briefing.year}-12-31T12:00:00Z`),
    creator: `ssb-briefing ${version}`,
    headings: [
      briefing.headline, ...briefing.sections.map((s) => s.heading), briefing.ui.notes, briefing.ui.about, briefing.ui.aboutSources,
      ...(briefing.about.changes ? [briefing.about.changes.heading] : []), briefing.ui.appendix,
    ],
  };
}

const keywords: Record<'nn' | 'nb' | 'en', string[]> = {
  nn: ['sosiale medium', 'IKT', 'føretak', 'Statistisk sentralbyrå', 'iktbrukn'],
  nb: ['sosiale medier', 'IKT', 'foretak', 'Statistisk sentralbyrå', 'iktbrukn'],
  en: ['social media', 'ICT', 'enterprises', 'Statistics Norway', 'iktbrukn'],
};

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

function xmpPacket(meta: PdfMetadata & { creator: string; producer: string }): string {
  const x = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
  const date = meta.creationDate.toISOString().replace(/\.\d{3}Z$/, 'Z');
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
<pdf:Keywords>${x((meta.keywords ?? []).join(', '))}</pdf:Keywords>
<pdf:Producer>${x(meta.producer)}</pdf:Producer>
<xmp:CreatorTool>${x(meta.creator)}</xmp:CreatorTool>
<xmp:CreateDate>${date}</xmp:CreateDate>
<xmp:ModifyDate>${date}</xmp:ModifyDate>
<xmp:MetadataDate>${date}</xmp:MetadataDate>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>`;
}
