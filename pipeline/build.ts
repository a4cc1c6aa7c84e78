import type { RenderedChart } from './briefing/chart-specs.js';
import { buildBriefing, type Briefing, type BriefingContext, type Claim } from './briefing/content.js';
import type { Dataset, Definition, Lang } from './briefing/model.js';
import { packageVersion } from './io/paths.js';
import type { Progress } from './io/progress.js';
import { loadTemplateAssets, renderBriefing } from './render/html.js';
import { openPrinter, type PrintHooks } from './render/pdf.js';
import { countPages, setPdfMetadata } from './render/pdf-meta.js';
import { renderCharts } from './render/svg.js';
import { formatDate } from './text/format.js';

/**
 * Stage 3, build: the briefing for one year in each language, in memory.
 *
 *   Chromium starts ──────────────────────────────────────────────────────────────────────┐
 *   content (pure, per language) ─► charts (Vega ─► SVG) ─► html (Handlebars) ─────────────┴─► pdf (one page reused)
 *
 * Nothing is written here; the caller stores the documents only when every language succeeded. Each briefing's
 * claims are completed with what only printing knows: the charts' drawn text, the page numbers, the running header.
 */

export interface BuildOptions {
  year: number;
  langs: Lang[];
  templatesDir: string;
  print: { executablePath?: string; timeoutMs: number };
  context?: BriefingContext;
}

export interface BuiltBriefing {
  briefing: Briefing;
  html: string;
  pdf: Uint8Array;
  pageCount: number;
  /** Every printed text with the facts and observations behind it (claims.json). */
  claims: Claim[];
}

export interface BuildEffects {
  /** Fault injection into the printer (kill or freeze Chromium mid-print). */
  print?: PrintHooks;
}

export const generator = () => `ssb-briefing ${packageVersion()}`;

/** Content, charts and HTML: what the preview shows, and what the PDF is printed from. */
export async function renderHtml(dataset: Dataset, definition: Definition, year: number, lang: Lang, templatesDir: string, context: BriefingContext = {}) {
  const briefing = buildBriefing(dataset, definition, year, lang, context);
  const [assets, charts] = await Promise.all([loadTemplateAssets(templatesDir), renderCharts(briefing.charts, { templatesDir })]);
  return { briefing, charts, html: renderBriefing(briefing, charts, assets, generator()) };
}

export async function buildBriefings(input: { dataset: Dataset; definition: Definition }, options: BuildOptions, progress: Progress, effects: BuildEffects = {}): Promise<BuiltBriefing[]> {
  // Chromium first: its start is the longest single step, and everything until printing overlaps it.
  const printer = openPrinter(options.print, { ...(effects.print ? { hooks: effects.print } : {}), log: (line) => progress.info(`  ${line}`) });
  try {
    const briefings = await progress.stage('content', async () => options.langs.map((lang) => buildBriefing(input.dataset, input.definition, options.year, lang, options.context)),
      (b) => `${options.year} ${b.map((x) => x.lang).join(',')}`);
    const [assets, charts] = await Promise.all([
      loadTemplateAssets(options.templatesDir),
      progress.stage('charts', () => Promise.all(briefings.map((b) => renderCharts(b.charts, { templatesDir: options.templatesDir }))), (c) => `${c.flat().length} rendered`),
    ]);
    const htmls = await progress.stage('html', async () => briefings.map((b, i) => renderBriefing(b, charts[i]!, assets, generator())), (h) => `${h.length} documents`);
    const built = await progress.stage('pdf', async () => {
      const out: BuiltBriefing[] = [];
      for (const [i, b] of briefings.entries()) {
        const date = b.published ? formatDate(b.published, b.lang) : null;
        const header = date ? `${b.title} · ${date}` : b.title;
        const printed = await printer.print(htmls[i]!, { timeoutMs: options.print.timeoutMs, lang: b.lang, header, footer: { page: b.ui.page, of: b.ui.of } });
        const pdf = await setPdfMetadata(printed, pdfMetadata(b));
        const pageCount = await countPages(pdf);
        out.push({ briefing: b, html: htmls[i]!, pdf, pageCount, claims: completeClaims(b, charts[i]!, header, pageCount) });
      }
      return out;
    }, (p) => `${p.length} printed`);
    return built;
  } finally {
    await printer.close();
  }
}

/** The briefing's claims, plus the text only rendering and printing make: chart drawings, running header, page numbers. */
function completeClaims(b: Briefing, charts: RenderedChart[], header: string, pageCount: number): Claim[] {
  const extra: Claim[] = [];
  const add = (where: string, text: string, kind: string, observations: string[] = []) =>
    extra.push({ id: `c${b.claims.length + extra.length + 1}`, where, text, facts: [{ kind, observations }] });
  for (const chart of charts) {
    const drawn = [...`${chart.svg}\n${chart.svgCompact}`.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => decodeEntities(m[1]!)).join(' ');
    add(`chart:${chart.id}`, drawn, 'chart-drawing', chart.observations);
  }
  add('page', header, 'header');
  for (let page = 1; page <= pageCount; page++) add('page', `${b.ui.page} ${page} ${b.ui.of} ${pageCount}`, 'page');
  add('page', b.ui.licence, 'licence');
  add('page', generator(), 'generator');
  return [...b.claims, ...extra];
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x?[0-9a-f]+|amp|lt|gt|quot|apos);/gi, (entity, code: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[code.toLowerCase()]) return named[code.toLowerCase()]!;
    return String.fromCodePoint(code[1]?.toLowerCase() === 'x' ? Number.parseInt(code.slice(2), 16) : Number(code.slice(1)));
  });
}

const keywords: Record<Lang, string> = {
  nn: 'SSB, IKT, føretak, Bruk av IKT i næringslivet',
  nb: 'SSB, IKT, foretak, Bruk av IKT i næringslivet',
  en: 'Statistics Norway, ICT, enterprises, ICT usage in enterprises',
};

/** Title, headline as subject, language, and dates that are the figures' own: first published, last revised. */
function pdfMetadata(b: Briefing) {
  const at = (date: string | null) => (date ? new Date(`${date}T08:00:00+01:00`) : null);
  return {
    title: b.title,
    author: b.ui.author,
    subject: b.headline.text.map((s) => (typeof s === 'string' ? s : 'note' in s ? '' : s.text)).join(''),
    keywords: [keywords[b.lang]],
    lang: b.lang,
    creationDate: at(b.published),
    modificationDate: at(b.revised ?? b.published),
    headings: [b.ui.keyFigures, ...b.sections.map((s) => s.heading.text.map((x) => (typeof x === 'string' ? x : 'note' in x ? '' : x.text)).join('')), b.ui.notes, b.ui.about],
  };
}
