import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BriefingContext } from '../../pipeline/briefing/content.js';
import type { Lang } from '../../pipeline/briefing/model.js';
import { projectRoot } from '../../pipeline/io/paths.js';
import { committed } from '../support/briefing-text.js';
import { buildDocument, launchTestBrowser, type Folder } from '../support/visual.js';

/**
 * The generated HTML as a reader and a validator see it: valid (W3C Nu checker), accessible (axe-core in the real
 * Chromium), readable on a phone and a wide screen, in dark mode, printable from the browser like the PDF, no
 * JavaScript needed, and the same bytes from the same input.
 */

const run = promisify(execFile);
const context: BriefingContext = {
  nextRelease: { date: '2026-09-12', link: 'https://www.ssb.no/teknologi-og-innovasjon/statistikker/iktbrukn' },
  changes: [
    {
      table: '13265',
      updated: '2025-09-24T06:00:00Z',
      added: 3,
      withdrawn: 1,
      revised: [
        { key: '13265/00/Total-K/TekstAnalyse/2024', before: { value: 14, status: null }, after: { value: 15, status: null } },
        { key: '13265/00/58-63/TekstAnalyse/2024', before: { value: null, status: '..' }, after: { value: 41, status: null } },
      ],
    },
  ],
};
const folders = { sm: committed('sosiale-medium'), ai: committed('kunstig-intelligens') };
const editions: { folder: Folder; year: number; lang: Lang; context?: BriefingContext }[] = [
  { folder: folders.sm, year: 2013, lang: 'nn' },
  { folder: folders.sm, year: 2019, lang: 'en' },
  { folder: folders.ai, year: 2025, lang: 'nb', context },
  { folder: folders.ai, year: 2021, lang: 'en' },
];
const name = (e: { year: number; lang: Lang }) => `${e.year}-${e.lang}`;

let dir: string;
let browser: Browser;
const files = new Map<string, string>();
const htmls = new Map<string, string>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'briefing-html-'));
  const launching = launchTestBrowser();
  for (const e of editions) {
    const { html } = await buildDocument(e.folder, e.year, e.lang, e.context);
    const file = join(dir, `${name(e)}.html`);
    await writeFile(file, html);
    files.set(name(e), file);
    htmls.set(name(e), html);
  }
  browser = await launching;
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(file: string, width: number, options: { dark?: boolean; print?: boolean } = {}): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: options.dark ? 'dark' : 'light' }]);
  if (options.print) await page.emulateMediaType('print');
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return page;
}

describe('W3C Nu HTML Checker (vnu)', () => {
  test('reports no error and no warning on any edition', async () => {
    const jar = join(projectRoot, 'node_modules/vnu-jar/build/dist/vnu.jar');
    // vnu exits 1 when it finds errors; the JSON on stdout says which.
    const result = await run('java', ['-jar', jar, '--format', 'json', '--stdout', ...files.values()], { maxBuffer: 16 * 1024 * 1024 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
    );
    const messages = (JSON.parse(result.stdout) as { messages: { type: string; subType?: string; message: string; url: string; lastLine?: number }[] })
      .messages;
    expect(messages.map((m) => `${m.type}${m.subType ? `/${m.subType}` : ''} ${m.url.split('/').at(-1)}:${m.lastLine}: ${m.message}`)).toEqual([]);
  }, 40_000);
});

describe('axe-core in Chromium', () => {
  const axeSource = readFileSync(join(projectRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');
  const violations = async (page: Page) => {
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () => {
      const axe = (
        window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }
      ).axe;
      return axe.run(document, { resultTypes: ['violations'] });
    });
    return result.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.slice(0, 2).map((n) => n.target))}`);
  };

  // Each edition in one or two of the four views (light or dark, wide or narrow); every view is covered.
  const views: [string, number, boolean][] = [
    ['2013-nn', 1280, false],
    ['2013-nn', 390, true],
    ['2019-en', 390, false],
    ['2019-en', 1280, true],
    ['2025-nb', 1280, false],
    ['2025-nb', 390, true],
    ['2021-en', 390, false],
  ];
  test.each(views)('%s at %d px, dark: %s: no violations', async (edition, width, dark) => {
    const page = await open(files.get(edition)!, width, { dark });
    try {
      expect(await violations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('layout', () => {
  const measure = (page: Page) =>
    page.evaluate(() => {
      const shown = (selector: string) => Array.from(document.querySelectorAll(selector)).filter((e) => getComputedStyle(e).display !== 'none').length;
      const widest = Math.max(...Array.from(document.querySelectorAll('.chart-svg svg')).map((svg) => svg.getBoundingClientRect().right));
      return {
        scrollWidth: document.documentElement.scrollWidth,
        wide: shown('.chart-wide'),
        compact: shown('.chart-compact'),
        charts: document.querySelectorAll('figure.chart').length,
        appendix: shown('.appendix'),
        details: shown('.chart-data'),
        widest,
        background: getComputedStyle(document.body).backgroundColor,
        h1: parseFloat(getComputedStyle(document.querySelector('h1')!).fontSize),
      };
    });

  test.each(['2019-en', '2025-nb', '2021-en'])(
    '%s on a phone (390 px): nothing wider than the screen, the compact charts instead of the wide ones',
    async (edition) => {
      const page = await open(files.get(edition)!, 390);
      const m = await measure(page);
      await page.close();
      expect(m.scrollWidth).toBeLessThanOrEqual(390);
      expect(m.widest).toBeLessThanOrEqual(390);
      expect(m).toMatchObject({ wide: 0, compact: m.charts, appendix: 0, details: m.charts });
      expect(m.charts).toBe(2);
    },
  );

  test('on a wide screen (1280 px): the wide charts, a measure of text that stays readable', async () => {
    const page = await open(files.get('2013-nn')!, 1280);
    const m = await measure(page);
    const textWidth = await page.evaluate(() => document.querySelector('main p')!.getBoundingClientRect().width);
    await page.close();
    expect(m).toMatchObject({ wide: 3, compact: 0, charts: 3 });
    expect(textWidth).toBeLessThanOrEqual(760);
  });

  test('in dark mode the page is dark and the charts sit on their own light panel', async () => {
    const page = await open(files.get('2013-nn')!, 1280, { dark: true });
    const m = await measure(page);
    const panel = await page.evaluate(() => getComputedStyle(document.querySelector('.chart-svg')!).backgroundColor);
    await page.close();
    expect(m.background).toBe('rgb(22, 35, 39)');
    expect(panel).toBe('rgb(255, 255, 255)');
  });

  test('printed from a browser it is laid out as the PDF: wide charts, tables in the appendix, no disclosure widgets', async () => {
    const page = await open(files.get('2013-nn')!, 800, { print: true });
    const m = await measure(page);
    await page.close();
    expect(m).toMatchObject({ wide: 3, compact: 0, appendix: 1, details: 0 });
  });
});

describe('self-contained and reproducible', () => {
  test('no script, no event handler, nothing fetched: every table is a <details> that opens without JavaScript', () => {
    for (const html of htmls.values()) {
      expect(html).not.toMatch(/<script\b|\son[a-z]+=|javascript:/i);
      expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/);
      expect(html).not.toMatch(/\ssrc="/);
      expect(html.match(/<details class="chart-data">/g)?.length).toBe(html.match(/<figure class="chart"/g)?.length);
    }
  });

  test('the same dataset and options give byte-identical HTML', async () => {
    const again = await buildDocument(folders.ai, 2025, 'nb', context);
    expect(again.html === htmls.get('2025-nb')).toBe(true);
    expect(htmls.get('2025-nb')).not.toContain(new Date().toISOString().slice(0, 10));
  });

  test('the context appears only when given: next release and the changes at the latest update, per table', () => {
    expect(htmls.get('2025-nb')).toContain('Neste publisering: 12. september 2026');
    expect(htmls.get('2025-nb')).toContain('Endringer ved siste oppdatering');
    expect(htmls.get('2025-nb')).toContain('Tabell 13265, oppdatert 24. september 2025 kl. 08.00: 3 nye tall, 2 reviderte tall og 1 tall trukket tilbake.');
    // named in the edition's language, the group when not all enterprises, SSB's symbol where there was no figure
    expect(htmls.get('2025-nb')).toContain('Tekstanalyse, 2024: fra 14 prosent til 15 prosent');
    expect(htmls.get('2025-nb')).toContain('Tekstanalyse, Informasjon og kommunikasjon, 2024: fra .. til 41 prosent');
    expect(htmls.get('2013-nn')).not.toContain('Neste publisering');
    expect(htmls.get('2013-nn')).not.toContain('Endringar ved siste');
  });
});
