import { renderCharts } from './render/svg.js';
import { buildChartSpecs } from './briefing/chart-specs.js';
import { buildBriefing, type Briefing, type BriefingContext } from './briefing/content.js';
import type { Dataset } from './store/dataset.js';
import { formatDate, formatDateTime, type Lang } from './text/format.js';
import { loadPdfLib, pdfMetadataFor, setPdfMetadata } from './render/pdf-meta.js';
import { openPrinter, type PrintHooks } from './render/pdf.js';
import type { Progress } from './io/progress.js';
import { loadTemplateAssets, renderBriefing } from './render/html.js';
import { packageVersion } from './io/paths.js';

/**
 * Build the briefing for one year in each language, in memory:
 *
 *   browser launch ───────────────────────────────────────────────────────────┐
 *   content ─► per language: charts (Vega ─► SVG) ─► html (Handlebars) ─► queued ┴─► pdf (one browser, one page)
 *                                                                                     ─► PDF metadata (pdf-lib)
 * A language's PDF is printed while the next language's charts are drawn.
 *
 * Nothing is written here; the caller stores the documents only when every language succeeded. A browser that
 * crashes is replaced once (pipeline/print.ts); it is closed on every path, and no Chromium process outlives the call.
 */

export interface BuiltBriefing {
  briefing: Briefing;
  html: string;
  pdf: Uint8Array;
  pageCount: number;
  editionDate: string | null;
}

export interface BuildOptions {
  year: number;
  langs: Lang[];
  templatesDir: string;
  chromiumPath?: string;
  printTimeoutMs: number;
  /** What the briefing can tell beyond the dataset: SSB's next release, what the last update changed. */
  context?: BriefingContext;
}

/** Effects for tests; production passes none. */
export interface BuildEffects {
  /** Fault injection into the printer (kill or freeze Chromium mid-print). */
  print?: PrintHooks;
}

export async function buildBriefings(dataset: Dataset, options: BuildOptions, progress: Progress, effects: BuildEffects = {}): Promise<BuiltBriefing[]> {
  const { year } = options;
  // Chromium first: its launch is the longest step, and the content, chart and template work happens meanwhile.
  const printer = openPrinter(
    { executablePath: options.chromiumPath, timeoutMs: options.printTimeoutMs },
    { hooks: effects.print, log: (line) => progress.info(`  ${line}`) },
  );
  try {
    const briefings = await progress.stage('content', async () => options.langs.map((lang) => buildBriefing(dataset, year, lang, options.context)), (b) => `${year} ${b.map((x) => x.lang).join(',')}`);
    const assets = await loadTemplateAssets(options.templatesDir);
    void loadPdfLib().catch(() => undefined); // loads while Chromium starts; setPdfMetadata reports a failure
    // Language by language: its charts and HTML, then its PDF is queued on the printer, which prints it (and its
    // metadata is set) while the next language's charts are drawn.
    const htmls: string[] = [];
    const printing: Promise<Uint8Array>[] = [];
    for (const b of briefings) {
      const charts = await progress.stage('charts', () => renderCharts(buildChartSpecs(b), { templatesDir: options.templatesDir }), (c) => `${c.length} rendered`);
      const html = await progress.stage('html', async () => renderBriefing(b, charts, assets, metaFor(b, dataset)), () => b.lang);
      htmls.push(html);
      // Title, author, subject, language, and dates pinned to the edition's: the same data gives the same PDF.
      const pdf = printer.print(html, printOptionsFor(b, options.printTimeoutMs, dataset)).then((printed) => setPdfMetadata(printed, pdfMetadataFor(b, editionDate(b, dataset), packageVersion())));
      pdf.catch(() => undefined); // awaited below
      printing.push(pdf);
    }
    const pdfs = await progress.stage(
      'pdf',
      async () => {
        const closing = printer.close(); // after the documents queued: the browser goes while the last metadata is set
        const out = await Promise.all(printing);
        await closing;
        return out;
      },
      (p) => `${p.length} printed`,
    );
    return briefings.map((briefing, i) => ({
      briefing,
      html: htmls[i]!,
      pdf: pdfs[i]!,
      pageCount: countPdfPages(pdfs[i]!),
      editionDate: editionDate(briefing, dataset),
    }));
  } finally {
    await printer.close();
  }
}

/** The date the year's figures were last published or updated, as the edition's date (not the clock: reproducible). */
export function editionDate(b: Briefing, dataset: Dataset): string | null {
  const dates = b.facts.used.flatMap((o) => {
    const updated = o.table ? dataset.tables[o.table]?.updated : null;
    return [updated, o.published].filter((d): d is string => typeof d === 'string');
  });
  return dates.sort().at(-1) ?? null;
}

export function metaFor(b: Briefing, dataset: Dataset) {
  const date = editionDate(b, dataset);
  const words = { nn: ['Tal for', 'sist oppdatert'], nb: ['Tall for', 'sist oppdatert'], en: ['Figures for', 'last updated'] }[b.lang];
  const when = date ? (date.length > 10 ? formatDateTime(date, b.lang) : formatDate(date, b.lang)) : null;
  const editionLine = `${words[0]} ${b.year}${when ? ` · ${words[1]} ${when}` : ''}`;
  return { editionLine, generator: `ssb-briefing ${packageVersion()}` };
}

export function printOptionsFor(b: Briefing, timeoutMs: number, dataset: Dataset) {
  const date = editionDate(b, dataset);
  return {
    timeoutMs,
    lang: b.lang,
    header: date ? `${b.title} · ${formatDate(date, b.lang)}` : b.title,
    footer: { page: b.ui.page, of: b.ui.of, source: b.ui.source },
  };
}

/** Pages in a PDF Chromium wrote: its page tree's /Count. */
export function countPdfPages(pdf: Uint8Array): number {
  const text = Buffer.from(pdf).toString('latin1');
  const counts = [...text.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/g)].map((m) => Number(m[1]));
  return counts.length ? Math.max(...counts) : 0;
}
