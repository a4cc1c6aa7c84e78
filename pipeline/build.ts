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
 *   browser launch ─────────────────────────────────────────────────────────────────┐
 *   content (pure, per language) ─► charts (Vega ─► SVG) ─► html (Handlebars) ──────┴─► pdf (one browser, one page)
 *                                                                                         ─► PDF metadata (pdf-lib)
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
    const charts = await progress.stage(
      'charts',
      () => Promise.all(briefings.map((b) => renderCharts(buildChartSpecs(b), { templatesDir: options.templatesDir }))),
      (c) => `${c.flat().length} rendered`,
    );
    const htmls = await progress.stage('html', async () => briefings.map((b, i) => renderBriefing(b, charts[i]!, assets, metaFor(b, dataset))), (h) => `${h.length} documents`);
    const pdfs = await progress.stage(
      'pdf',
      async () => {
        // Each PDF's metadata is set while Chromium prints the next one, and the browser closes while the last is.
        const out: Promise<Uint8Array>[] = [];
        void loadPdfLib().catch(() => undefined); // loads while Chromium prints; setPdfMetadata reports a failure
        for (const [i, b] of briefings.entries()) {
          const printed = await printer.print(htmls[i]!, printOptionsFor(b, options.printTimeoutMs, dataset));
          // Title, author, subject, language, and dates pinned to the edition's: the same data gives the same PDF.
          out.push(setPdfMetadata(printed, pdfMetadataFor(b, editionDate(b, dataset), packageVersion())));
          out.at(-1)!.catch(() => undefined); // awaited below
        }
        const closing = printer.close();
        const pdfs = await Promise.all(out);
        await closing;
        return pdfs;
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
