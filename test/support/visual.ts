import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import type { Browser } from 'puppeteer';
import { renderCharts, type RenderedChart } from '../../pipeline/render/svg.js';
import { buildChartSpecs } from '../../pipeline/briefing/chart-specs.js';
import { buildBriefing, type Briefing, type BriefingContext } from '../../pipeline/briefing/content.js';
import type { Dataset } from '../../pipeline/store/dataset.js';
import { formatDate, type Lang } from '../../pipeline/text/format.js';
import { projectRoot, templatesDir } from '../../pipeline/io/paths.js';
import { pdfMetadataFor, setPdfMetadata } from '../../pipeline/render/pdf-meta.js';
import { chromiumArgs, printPdf } from '../../pipeline/render/pdf.js';
import { loadTemplateAssets, renderBriefing } from '../../pipeline/render/html.js';

/**
 * Building a briefing in-process for the quality tests, the way pipeline/build.ts composes it (content ─► charts ─►
 * html ─► pdf ─► metadata), with one browser the test file shares; rendering PDF pages to PNG (pdftoppm) and
 * comparing PNGs (pixelmatch).
 */

const run = promisify(execFile);

/** Chromium for tests: PUPPETEER_EXECUTABLE_PATH, else the system's /usr/bin/chromium, else Puppeteer's own. */
export async function launchTestBrowser(): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer');
  const executablePath = process.env.PUPPETEER_EXECUTABLE_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
  return puppeteer.launch({ headless: true, args: chromiumArgs, ...(executablePath ? { executablePath } : {}) });
}

export interface BuiltDocument {
  briefing: Briefing;
  charts: RenderedChart[];
  html: string;
  /** The date the edition is dated by (the latest publication or table update of its figures), as build.ts takes it. */
  editionDate: string | null;
}

/** Content, charts and HTML for one year and language. Pure apart from reading the templates. */
export async function buildDocument(dataset: Dataset, year: number, lang: Lang, context: BriefingContext = {}): Promise<BuiltDocument> {
  const briefing = buildBriefing(dataset, year, lang, context);
  const assets = await loadTemplateAssets(templatesDir);
  const charts = await renderCharts(buildChartSpecs(briefing), { templatesDir });
  const editionDate = latestDate(briefing, dataset);
  const when = editionDate ? formatDate(editionDate, lang) : null;
  const words = { nn: 'Tal for', nb: 'Tall for', en: 'Figures for' }[lang];
  const html = renderBriefing(briefing, charts, assets, { editionLine: `${words} ${year}${when ? ` · ${when}` : ''}`, generator: 'ssb-briefing test' });
  return { briefing, charts, html, editionDate };
}

function latestDate(b: Briefing, dataset: Dataset): string | null {
  const dates = b.facts.used.flatMap((o) => [o.table ? dataset.tables[o.table]?.updated : null, o.published].filter((d): d is string => typeof d === 'string'));
  return dates.sort().at(-1) ?? null;
}

/** Print with pipeline/print.ts (header: title and date; footer: "Side N av M" and the source) and set the metadata. */
export async function printDocument(browser: Browser, doc: BuiltDocument): Promise<Uint8Array> {
  const { briefing: b, editionDate } = doc;
  const pdf = await printPdf(browser, doc.html, {
    timeoutMs: 30_000,
    lang: b.lang,
    header: editionDate ? `${b.title} · ${formatDate(editionDate, b.lang)}` : b.title,
    footer: { page: b.ui.page, of: b.ui.of, source: b.ui.source },
  });
  return setPdfMetadata(pdf, pdfMetadataFor(b, editionDate, 'test'));
}

/** Pages of a PDF as PNGs, rendered by poppler's pdftoppm at `dpi`. Pages are 1-based. */
export async function pdfPagesToPng(pdf: Uint8Array, pages: number[], dpi = 50): Promise<Buffer[]> {
  const dir = await mkdtemp(join(tmpdir(), 'briefing-png-'));
  try {
    const file = join(dir, 'doc.pdf');
    await writeFile(file, pdf);
    const out: Buffer[] = [];
    for (const page of pages) {
      await run('pdftoppm', ['-png', '-r', String(dpi), '-f', String(page), '-l', String(page), '-singlefile', file, join(dir, `p${page}`)]);
      out.push(await readFile(join(dir, `p${page}.png`)));
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Share of pixels that differ (pixelmatch, colour threshold `threshold`); 1 when the sizes differ. */
export function differingShare(actual: Buffer, expected: Buffer, threshold = 0.1): { share: number; diff: Buffer | null } {
  const a = PNG.sync.read(actual);
  const e = PNG.sync.read(expected);
  if (a.width !== e.width || a.height !== e.height) return { share: 1, diff: null };
  const diff = new PNG({ width: a.width, height: a.height });
  const count = pixelmatch(a.data, e.data, diff.data, a.width, a.height, { threshold });
  return { share: count / (a.width * a.height), diff: PNG.sync.write(diff) };
}

/** The reference images: file name ─► which page of which edition. Used by test/visual.test.ts and test/update-visuals.ts. */
export const visualReferences = [
  { file: '2013-nn-page1.png', year: 2013, lang: 'nn' as Lang, page: 1 },
  { file: '2013-nn-page2.png', year: 2013, lang: 'nn' as Lang, page: 2 },
  { file: '2019-en-page2.png', year: 2019, lang: 'en' as Lang, page: 2 },
];

export const visualFixturesDir = join(projectRoot, 'test', 'fixtures', 'visual');
export const visualDpi = 50;

/** Render every reference page afresh: { file ─► PNG }. */
export async function renderVisuals(browser: Browser, dataset: Dataset): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const editions = [...new Set(visualReferences.map((r) => `${r.year}|${r.lang}`))];
  for (const edition of editions) {
    const [year, lang] = edition.split('|') as [string, Lang];
    const pdf = await printDocument(browser, await buildDocument(dataset, Number(year), lang));
    const refs = visualReferences.filter((r) => r.year === Number(year) && r.lang === lang);
    const pngs = await pdfPagesToPng(pdf, refs.map((r) => r.page), visualDpi);
    refs.forEach((r, i) => out.set(r.file, pngs[i]!));
  }
  return out;
}

export async function listVisualFixtures(): Promise<string[]> {
  return existsSync(visualFixturesDir) ? (await readdir(visualFixturesDir)).filter((f) => f.endsWith('.png')).sort() : [];
}
