import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import type { Browser } from 'puppeteer';
import type { BriefingContext } from '../../pipeline/briefing/content.js';
import type { Dataset, Definition, Lang } from '../../pipeline/briefing/model.js';
import { buildBriefings, renderHtml, type BuiltBriefing } from '../../pipeline/build.js';
import { silentProgress } from '../../pipeline/io/progress.js';
import { projectRoot, templatesDir } from '../../pipeline/io/paths.js';
import { chromiumArgs, resolveExecutable } from '../../pipeline/render/pdf.js';
import { committed } from './briefing-text.js';

/**
 * Building briefings in-process for the render and quality tests, the way the pipeline does: `buildDocument` is
 * build.ts's renderHtml (content ─► charts ─► html, what the preview shows), `buildEditions` is the whole build
 * (buildBriefings: its own Chromium, the printer's lock-down, the PDF's metadata and the claims). Also rendering PDF
 * pages to PNG (pdftoppm) and comparing PNGs (pixelmatch) for the visual references.
 */

const run = promisify(execFile);

/** What a briefing is built from: the definition and the dataset of a briefing folder. */
export interface Folder {
  definition: Definition;
  dataset: Dataset;
}

/** Chromium for tests that look at pages: the printer's binary and flags, over a pipe. */
export async function launchTestBrowser(): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer');
  const executablePath = resolveExecutable();
  return puppeteer.launch({ headless: true, pipe: true, args: chromiumArgs, ...(executablePath ? { executablePath } : {}) });
}

export type BuiltDocument = Awaited<ReturnType<typeof renderHtml>>;

/** Content, charts and HTML for one year and language, as the build and the preview make them. No browser. */
export function buildDocument(folder: Folder, year: number, lang: Lang, context: BriefingContext = {}): Promise<BuiltDocument> {
  return renderHtml(folder.dataset, folder.definition, year, lang, templatesDir, context);
}

/** The whole build of one year in `langs` (HTML, PDF with its metadata, claims), with a Chromium of its own. */
export function buildEditions(folder: Folder, year: number, langs: Lang[], context: BriefingContext = {}): Promise<BuiltBriefing[]> {
  return buildBriefings(folder, { year, langs, templatesDir, print: { timeoutMs: 30_000 }, context }, silentProgress());
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

type BriefingName = 'sosiale-medium' | 'kunstig-intelligens';

/**
 * The reference images: file name ─► which page of which edition of which committed briefing. Used by
 * test/quality/visual.test.ts and test/quality/update-visuals.ts.
 */
export const visualReferences: { file: string; briefing: BriefingName; year: number; lang: Lang; page: number }[] = [
  { file: '2013-nn-page1.png', briefing: 'sosiale-medium', year: 2013, lang: 'nn', page: 1 },
  { file: '2013-nn-page2.png', briefing: 'sosiale-medium', year: 2013, lang: 'nn', page: 2 },
  { file: '2019-en-page2.png', briefing: 'sosiale-medium', year: 2019, lang: 'en', page: 2 },
  { file: 'ki-2025-nn-page1.png', briefing: 'kunstig-intelligens', year: 2025, lang: 'nn', page: 1 },
];

export const visualFixturesDir = join(projectRoot, 'test', 'fixtures', 'visual');
export const visualDpi = 50;

/** Print every reference page afresh with the real build: { file ─► PNG }. One build per briefing and year. */
export async function renderVisuals(): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const builds = [...new Set(visualReferences.map((r) => `${r.briefing}|${r.year}`))];
  for (const key of builds) {
    const [briefing, year] = key.split('|') as [BriefingName, string];
    const refs = visualReferences.filter((r) => r.briefing === briefing && r.year === Number(year));
    const langs = [...new Set(refs.map((r) => r.lang))];
    const built = await buildEditions(committed(briefing), Number(year), langs);
    for (const [i, lang] of langs.entries()) {
      const ofLang = refs.filter((r) => r.lang === lang);
      const pngs = await pdfPagesToPng(
        built[i]!.pdf,
        ofLang.map((r) => r.page),
        visualDpi,
      );
      for (const [k, r] of ofLang.entries()) out.set(r.file, pngs[k]!);
    }
  }
  return out;
}

export async function listVisualFixtures(): Promise<string[]> {
  return existsSync(visualFixturesDir) ? (await readdir(visualFixturesDir)).filter((f) => f.endsWith('.png')).sort() : [];
}
