import type { RenderedChart } from './briefing/chart-specs.js';
import { buildBriefing, type Briefing, type BriefingContext, type Claim } from './briefing/content.js';
import type { Dataset, Definition, Lang } from './briefing/model.js';
import { packageVersion } from './io/paths.js';
import type { Progress } from './io/progress.js';
import { loadTemplateAssets, renderBriefing } from './render/html.js';
import { openPrinter, type PrintHooks, type PrintOptions } from './render/pdf.js';
import { finishPdf, loadPdfLib, pdfMetadata } from './render/pdf-meta.js';
import { renderCharts } from './render/svg.js';
import { formatDate } from './text/format.js';

/**
 * Stage 3, build: the briefing for one year in each language, in memory (the caller stores it once every language
 * succeeded). Chromium starts first; a language's PDF prints while the next language's charts are drawn.
 */

interface BuildOptions {
  year: number;
  langs: Lang[];
  templatesDir: string;
  print: { executablePath?: string; timeoutMs: number };
  context?: BriefingContext;
}

/** A briefing built: its HTML, its PDF and page count, and its claims (claims.json). */
export type BuiltBriefing = Awaited<ReturnType<typeof buildBriefings>>[number];

export const generator = () => `ssb-briefing ${packageVersion()}`;

/** Content, charts and HTML: what the preview shows, and what the PDF is printed from. */
export async function renderHtml(dataset: Dataset, definition: Definition, year: number, lang: Lang, templatesDir: string, context: BriefingContext = {}) {
  const briefing = buildBriefing(dataset, definition, year, lang, context);
  const [assets, charts] = await Promise.all([loadTemplateAssets(templatesDir), renderCharts(briefing.charts, { templatesDir })]);
  return { briefing, charts, html: renderBriefing(briefing, charts, assets, generator()) };
}

/** The running header (title and the figures' date) and footer (page numbers) of the PDF. */
export function printOptionsFor(b: Briefing, timeoutMs: number, fontFace?: string): PrintOptions {
  return { timeoutMs, header: headerOf(b), footer: { page: b.ui.page, of: b.ui.of }, fontFace };
}

const headerOf = (b: Briefing) => (b.published ? `${b.title} · ${formatDate(b.published, b.lang)}` : b.title);

export async function buildBriefings(
  input: { dataset: Dataset; definition: Definition },
  options: BuildOptions,
  progress: Progress,
  /** Fault injection into the printer (kill or freeze Chromium mid-print). */
  effects: { print?: PrintHooks } = {},
) {
  // Chromium first: its start is the longest single step, and the content, chart and template work overlaps it.
  const printer = openPrinter(options.print, { hooks: effects.print, log: (line) => progress.info(`  ${line}`) });
  try {
    const briefings = await progress.stage(
      'content',
      async () => options.langs.map((lang) => buildBriefing(input.dataset, input.definition, options.year, lang, options.context)),
      (b) => `${options.year} ${b.map((x) => x.lang).join(',')}`,
    );
    const assets = await loadTemplateAssets(options.templatesDir);
    void loadPdfLib().catch(() => undefined); // loads while Chromium starts; finishPdf reports a failure
    const made: { charts: RenderedChart[]; html: string; pdf: Promise<{ bytes: Uint8Array; pageCount: number }> }[] = [];
    for (const b of briefings) {
      const drawn = await progress.stage(
        'charts',
        () => renderCharts(b.charts, { templatesDir: options.templatesDir }),
        (c) => `${c.length} rendered`,
      );
      const html = await progress.stage(
        'html',
        async () => renderBriefing(b, drawn, assets, generator()),
        () => b.lang,
      );
      const pdf = printer
        .print(html, printOptionsFor(b, options.print.timeoutMs, assets.marginFont))
        .then((printed) => finishPdf(printed, pdfMetadata(b, generator())));
      pdf.catch(() => undefined); // awaited below
      made.push({ charts: drawn, html, pdf });
    }
    const pdfs = await progress.stage(
      'pdf',
      async () => {
        const closing = printer.close(); // after the documents queued: the browser goes while the last metadata is set
        const out = await Promise.all(made.map((m) => m.pdf));
        await closing;
        return out;
      },
      (p) => `${p.length} printed`,
    );
    return briefings.map((briefing, i) => ({
      briefing,
      html: made[i]!.html,
      pdf: pdfs[i]!.bytes,
      pageCount: pdfs[i]!.pageCount,
      claims: completeClaims(briefing, made[i]!.charts, pdfs[i]!.pageCount),
    }));
  } finally {
    await printer.close();
  }
}

/** The briefing's claims, plus the text only rendering and printing make: chart drawings, running header, page numbers. */
function completeClaims(b: Briefing, charts: RenderedChart[], pageCount: number): Claim[] {
  const extra: Claim[] = [];
  const add = (where: string, text: string, kind: string, observations: string[] = []) =>
    extra.push({ id: `c${b.claims.length + extra.length + 1}`, where, text, facts: [{ kind, observations }] });
  for (const chart of charts) {
    const drawn = [...`${chart.svg}\n${chart.svgCompact}`.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => decodeEntities(m[1]!)).join(' ');
    add(`chart:${chart.id}`, drawn, 'chart-drawing', chart.observations);
  }
  add('page', headerOf(b), 'header');
  for (let page = 1; page <= pageCount; page++) add('page', `${b.ui.page} ${page} ${b.ui.of} ${pageCount}`, 'page');
  add('page', b.ui.licence, 'licence');
  add('page', generator(), 'generator');
  return [...b.claims, ...extra];
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(
    /&(#x?[0-9a-f]+|amp|lt|gt|quot|apos);/gi,
    (_, code: string) =>
      named[code.toLowerCase()] ?? String.fromCodePoint(code[1]?.toLowerCase() === 'x' ? Number.parseInt(code.slice(2), 16) : Number(code.slice(1))),
  );
}
