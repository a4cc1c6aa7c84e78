import { join } from 'node:path';
import { buildChartSpecs, loadChartTemplates, renderCharts, type RenderedChart } from './charts.js';
import { buildBriefing, type Briefing } from './content.js';
import type { RunConfig } from './config.js';
import { loadDataset, type Dataset } from './dataset.js';
import { latestYear } from './facts.js';
import { formatDate, type Lang } from './lang.js';
import { ensureWritableDir, writeOutputs } from './outputs.js';
import { closeBrowser, launchBrowser, printPdf } from './print.js';
import type { Progress } from './progress.js';
import { loadTemplateAssets, renderBriefing } from './render.js';
import { packageVersion } from './paths.js';

/**
 * The briefing run, from the dataset in data/ to the files in output/:
 *
 *   1 dataset (load + validate) ─► 2 content (per language, pure)
 *        ├─► 3 browser launch (in parallel with 4 and 5)
 *        ├─► 4 charts (Vega-Lite ─► Vega ─► SVG)
 *        └─► 5 html (Handlebars) ─► 6 pdf (Puppeteer, one browser for all languages)
 *   ─► 7 write briefing-<lang>.html / .pdf, each file replaced whole, only when every language succeeded
 *
 * A failure at any step leaves the previous briefing files as they were.
 */

export interface RenderResult {
  year: number;
  briefings: Briefing[];
  files: string[];
  pages: Record<Lang, number>;
}

export async function runBriefing(config: RunConfig, progress: Progress): Promise<RenderResult> {
  await ensureWritableDir(config.outDir, 'The output folder');
  const datasetPath = join(config.dataDir, 'dataset.json');
  const dataset = await progress.stage('dataset', () => loadDataset(datasetPath), (d) => `${d.observations.length} observations`);
  const year = config.year ?? latestYear(dataset);
  const briefings = await progress.stage('content', async () => config.langs.map((lang) => buildBriefing(dataset, year, lang)), (b) => `${year} ${b.map((x) => x.lang).join(',')}`);

  const browser = launchBrowser({ executablePath: config.chromiumPath, timeoutMs: config.printTimeoutMs });
  browser.catch(() => undefined); // awaited below; this only stops an unhandled rejection while charts render
  try {
    const [templates, assets] = await Promise.all([loadChartTemplates(config.templatesDir), loadTemplateAssets(config.templatesDir)]);
    const charts = await progress.stage(
      'charts',
      () => Promise.all(briefings.map((b) => renderCharts(buildChartSpecs(b, templates)))),
      (c) => `${c.flat().length} rendered`,
    );
    const htmls = await progress.stage('html', async () => briefings.map((b, i) => renderBriefing(b, charts[i]!, assets, metaFor(b, dataset))), (h) => `${h.length} documents`);
    const pdfs = await progress.stage(
      'pdf',
      async () => {
        const open = await browser;
        const out: Uint8Array[] = [];
        for (const [i, b] of briefings.entries()) out.push(await printPdf(open, htmls[i]!, printOptionsFor(b, config.printTimeoutMs, dataset)));
        return out;
      },
      (p) => `${p.length} printed`,
    );
    const files = await progress.stage(
      'write',
      () => writeOutputs(config.outDir, briefings.flatMap((b, i) => [
        { name: `briefing-${b.lang}.html`, data: htmls[i]! },
        { name: `briefing-${b.lang}.pdf`, data: pdfs[i]! },
      ])),
      (f) => `${f.length} files to ${config.outDir}`,
    );
    const pages = Object.fromEntries(briefings.map((b, i) => [b.lang, countPdfPages(pdfs[i]!)])) as Record<Lang, number>;
    return { year, briefings, files, pages };
  } finally {
    await browser.then(closeBrowser, () => undefined);
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

function metaFor(b: Briefing, dataset: Dataset) {
  const date = editionDate(b, dataset);
  const words = { nn: ['Tal for', 'sist oppdatert'], nb: ['Tall for', 'sist oppdatert'], en: ['Figures for', 'last updated'] }[b.lang];
  const editionLine = `${words[0]} ${b.year}${date ? ` · ${words[1]} ${formatDate(date, b.lang)}` : ''}`;
  return { editionLine, generator: `ssb-briefing ${packageVersion()}` };
}

function printOptionsFor(b: Briefing, timeoutMs: number, dataset: Dataset) {
  const date = editionDate(b, dataset);
  return {
    timeoutMs,
    lang: b.lang,
    header: date ? `${b.title} · ${formatDate(date, b.lang)}` : b.title,
    footer: { page: b.ui.page, of: b.ui.of, source: b.ui.source },
  };
}

/** Pages in a PDF Chromium wrote: its page tree's /Count. */
function countPdfPages(pdf: Uint8Array): number {
  const text = Buffer.from(pdf).toString('latin1');
  const counts = [...text.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/g)].map((m) => Number(m[1]));
  return counts.length ? Math.max(...counts) : 0;
}

export type { RenderedChart };
