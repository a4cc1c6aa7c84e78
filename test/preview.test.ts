import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultDataRoot, defaultOutRoot, templatesDir } from '../pipeline/io/paths.js';
import { startBriefingPreview, type PreviewServer } from '../pipeline/preview.js';
import { machineArgs, resolveExecutable } from '../pipeline/render/pdf.js';
import { describeProcesses, MARK_VAR, newMark, watchChromium } from './support/chromium.js';
import { startCli } from './support/cli-process.js';
import { copyBriefing } from './support/data-folder.js';
import { readPdf } from './support/pdf.js';

/**
 * The preview with real parts: the server on 127.0.0.1 over a temporary copy of the templates and the project's own
 * data/sosiale-medium/, a real Chromium showing the page (its live-reload script on), files saved as an editor would.
 * What the page shows after a save is what the test waits for; no one reloads it by hand. /pdf prints with the
 * printer's Chromium. The briefing's folder and output/ are left exactly as they were (every file's mtime and size
 * compared). A copy of a briefing folder has its dataset and its definition edited, broken and mended.
 */

const committedDir = join(defaultDataRoot, 'sosiale-medium');

const mark = newMark();
process.env[MARK_VAR] = mark; // the printer's Chromium carries it, so a leftover process is found

let work: string;
let browser: Browser;

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (path: string): Promise<void> => {
    const info = await stat(path).catch(() => null);
    if (!info) return;
    out[path] = `${info.mtimeMs} ${info.size}`;
    if (info.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(dir);
  return out;
}

/** Wait until the page, reloading by itself, satisfies `check` (run in the page). */
async function until(page: Page, check: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(check, { timeout, polling: 50 });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'briefing-preview-'));
  // A browser as a person's: it reaches 127.0.0.1 (the printer's lock-down resolves no address at all).
  const { default: puppeteer } = await import('puppeteer');
  const executablePath = resolveExecutable();
  const env = { ...process.env };
  delete env[MARK_VAR]; // only the printer's Chromium is looked for
  browser = await puppeteer.launch({ headless: true, pipe: true, args: machineArgs, env, ...(executablePath ? { executablePath } : {}) });
});
afterAll(async () => {
  await browser?.close();
  await rm(work, { recursive: true, force: true });
});

describe('preview of the committed data, templates being edited', () => {
  let preview: PreviewServer;
  let page: Page;
  let templates: string;
  let before: Record<string, string>;
  const watch = watchChromium(mark);
  const log: string[] = [];

  beforeAll(async () => {
    before = { ...(await snapshot(committedDir)), ...(await snapshot(defaultOutRoot)) };
    templates = join(work, 'templates');
    await cp(templatesDir, templates, { recursive: true });
    preview = await startBriefingPreview({ lang: 'nn', year: 2019, dataDir: committedDir, templatesDir: templates, port: 0, log: (line) => log.push(line) });
    page = await browser.newPage();
    await page.goto(preview.url, { waitUntil: 'load' });
  });
  afterAll(async () => {
    await page?.close().catch(() => undefined); // the last test closes it
    await preview?.close();
  });

  const partial = () => join(templates, 'partials/masthead.hbs');

  test('serves the briefing on 127.0.0.1', async () => {
    expect(preview.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('Vel tre av fire norske føretak bruker sosiale medium');
    expect(await page.$$eval('.chart-wide svg', (s) => s.length)).toBe(2);
  });

  test('a partial saved with new text: the open page shows it without a reload by hand', async () => {
    const source = await readFile(partial(), 'utf8');
    await writeFile(partial(), source.replace('<h1>{{sentence briefing.headline}}</h1>', '<h1>Førehandsvising {{sentence briefing.headline}}</h1>'));
    await until(page, `document.querySelector('h1')?.textContent?.startsWith('Førehandsvising ')`);
    expect(log.at(-1)).toMatch(/^✓ rendered \(.*masthead\.hbs.*\) \d+ ms$/);
  });

  test('a broken template: the error in the page and in the log, the server keeps serving; the next good save recovers', async () => {
    const good = await readFile(partial(), 'utf8');
    await writeFile(partial(), good.replace('{{sentence briefing.headline}}</h1>', '{{sentence briefing.headline}</h1>'));
    await until(page, `document.querySelector('#preview-error')?.textContent?.includes('Parse error')`);
    expect(await page.$eval('#preview-error', (e) => e.textContent)).toMatch(
      /^TemplateError: Filling templates\/briefing\.hbs failed: Parse error on line \d+/,
    );
    expect(log.at(-1)).toMatch(/^✗ Filling templates\/briefing\.hbs failed: Parse error/);
    expect(preview.state().ok).toBe(false);
    const pdf = await fetch(`${preview.url}pdf`);
    expect(pdf.status).toBe(409); // nothing to print while the sources are broken

    await writeFile(partial(), good.replace('Førehandsvising', 'Retta'));
    await until(page, `document.querySelector('h1')?.textContent?.startsWith('Retta ')`);
    expect(preview.state().ok).toBe(true);
  });

  test('a chart template saved: compiled again and drawn', async () => {
    const file = join(templates, 'charts/bars.vl.json');
    const source = await readFile(file, 'utf8');
    expect(source).toContain('"range": ["#1a9d49", "#274247"]');
    await writeFile(file, source.replace('"range": ["#1a9d49", "#274247"]', '"range": ["#1a9d49", "#3396d2"]'));
    await until(page, `document.querySelector('#chart-groups .chart-wide svg')?.innerHTML.includes('#3396d2')`);
  });

  test('the stylesheet saved: the page takes it', async () => {
    const file = join(templates, 'briefing.css');
    await writeFile(file, `${await readFile(file, 'utf8')}\nh1 { letter-spacing: 3px; }\n`);
    await until(page, `getComputedStyle(document.querySelector('h1')).letterSpacing === '3px'`);
  });

  test('/pdf prints the current state', async () => {
    const response = await fetch(`${preview.url}pdf`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const pdf = new Uint8Array(await response.arrayBuffer());
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const file = join(work, 'preview.pdf');
    await writeFile(file, pdf);
    const text = (await readPdf(file)).text.replace(/\s+/g, ' ');
    expect(text).toContain('Retta Vel tre av fire norske føretak');
    expect(text).not.toContain('EventSource'); // the live-reload script is the page's, not the document's
  });

  test('closing it leaves no Chromium, and data/ and output/ exactly as they were', async () => {
    await page.close();
    await preview.close();
    const left = await watch.stop();
    expect(left, describeProcesses(left)).toEqual([]);
    const after = { ...(await snapshot(committedDir)), ...(await snapshot(defaultOutRoot)) };
    expect(after).toEqual(before);
  });
});

describe('preview of a briefing folder being edited', () => {
  let data: string;
  let preview: PreviewServer;
  let page: Page;
  beforeAll(async () => {
    data = await copyBriefing('sosiale-medium', join(work, 'data'));
    preview = await startBriefingPreview({ lang: 'en', year: 2019, dataDir: data, port: 0 });
    page = await browser.newPage();
    await page.goto(preview.url, { waitUntil: 'load' });
  });
  afterAll(async () => {
    await page?.close();
    await preview?.close();
  });

  test('a saved dataset renders again; a broken one shows its error until it is mended', async () => {
    expect(await page.$eval('.key-value', (e) => e.textContent)).toBe('76%');
    const file = join(data, 'dataset.json');
    const good = await readFile(file, 'utf8');
    const row = '[null,4,"2019","any_social_media","00","Total+K","SN2007",null,76,';
    expect(good).toContain(row);
    await writeFile(file, good.replace(row, row.replace(',76,', ',81,')));
    await until(page, `document.querySelector('.key-value')?.textContent === '81%'`);

    await writeFile(file, good.slice(0, good.length / 2)); // cut off, as by a failed copy
    await until(page, `document.querySelector('#preview-error') !== null`);
    expect(await page.$eval('#preview-error', (e) => e.textContent)).toMatch(/^DatasetError: .*dataset\.json: not valid JSON/);
    await writeFile(file, good);
    await until(page, `document.querySelector('.key-value')?.textContent === '76%'`);
  });

  test('the definition (briefing.json) saved: its words show; a broken one shows its error until it is mended', async () => {
    const file = join(data, 'briefing.json');
    const good = await readFile(file, 'utf8');
    expect(await page.$eval('.kicker', (e) => e.textContent)).toBe('ICT usage in enterprises 2019');
    expect(good.match(/"kicker": "ICT usage in enterprises"/g)).toHaveLength(1);
    await writeFile(file, good.replace('"kicker": "ICT usage in enterprises"', '"kicker": "ICT use by enterprises"'));
    await until(page, `document.querySelector('.kicker')?.textContent === 'ICT use by enterprises 2019'`);

    await writeFile(file, good.replace('"format"', '"formatt"'));
    await until(page, `document.querySelector('#preview-error') !== null`);
    expect(await page.$eval('#preview-error', (e) => e.textContent)).toMatch(/^DatasetError: .*briefing\.json/);
    expect(preview.state().ok).toBe(false);
    await writeFile(file, good);
    await until(page, `document.querySelector('.kicker')?.textContent === 'ICT usage in enterprises 2019'`);
    expect(preview.state().ok).toBe(true);
  });
});

describe('briefing preview (the command)', () => {
  test('serves the briefing of --data on 127.0.0.1 and says where', async () => {
    const data = await copyBriefing('kunstig-intelligens', join(work, 'ai'));
    const cli = startCli(['preview', '--data', data, '--lang', 'en', '--port', '0']);
    try {
      await cli.waitFor(/at (http:\/\/127\.0\.0\.1:\d+\/) and its PDF/);
      const url = /at (http:\/\/127\.0\.0\.1:\d+\/) and its PDF/.exec(cli.stdout())![1]!;
      const html = await (await fetch(url)).text();
      expect(html).toContain('30%'); // 2025, the latest year: 30 per cent used AI
      expect(html).toContain('new EventSource');
    } finally {
      cli.child.kill('SIGTERM');
      const ended = await cli.exited;
      expect(ended.code).toBe(0);
    }
  });
});
