import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { buildBriefings } from '../../pipeline/build.js';
import { projectRoot } from '../../pipeline/io/paths.js';
import { closeBrowser, launchBrowser, openPrinter, type PrintOptions } from '../../pipeline/render/pdf.js';
import { silentProgress } from '../../pipeline/io/progress.js';
import { describeProcesses, MARK_VAR, newMark, watchChromium } from '../support/chromium.js';
import { committed } from '../support/briefing-text.js';
import { readPdf } from '../support/pdf.js';

/**
 * The printer fetches nothing. A local HTTP server on 127.0.0.1 counts every connection and request; hostile markup
 * points at it from every place HTML and CSS can name a URL. Fed raw to the printer it proves the printer itself
 * blocks (not only the templates' escaping); fed as data through the real templates it must come out as text.
 * A control run in an unlocked page shows the server does get hit when nothing blocks.
 */

const mark = newMark();
process.env[MARK_VAR] = mark;
const options: PrintOptions = { header: 'Prøve', footer: { page: 'Side', of: 'av' }, timeoutMs: 30_000 };

let server: Server;
let base: string;
const hits: string[] = [];
let connections = 0;
let work: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    hits.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'text/plain' }).end('fetched');
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = await mkdtemp(join(tmpdir(), 'briefing-print-security-'));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});
beforeEach(() => {
  hits.length = 0;
  connections = 0;
});

/** Every way a document can name a URL that we could think of, each with its own path so a hit says which. */
function hostilePage(): string {
  const u = (name: string) => `${base}/${name}`;
  return `<!DOCTYPE html><html lang="nn"><head><meta charset="utf-8"><title>Prøve</title>
<meta http-equiv="refresh" content="0;url=${u('refresh')}">
<link rel="stylesheet" href="${u('link.css')}"><link rel="preconnect" href="${base}"><link rel="dns-prefetch" href="${base}">
<link rel="prefetch" href="${u('prefetch')}"><link rel="preload" as="image" href="${u('preload.png')}"><link rel="icon" href="${u('favicon.ico')}">
<style>@import url("${u('import.css')}"); body { background: url("${u('background.png')}") }
@font-face { font-family: Remote; src: url("${u('font.woff2')}") } .remote { font-family: Remote }</style>
<script src="${u('script.js')}"></script><script>document.title = 'JS RAN'; document.write('<p>JS RAN</p>')</script>
</head><body><p class="remote">Vanleg tekst.</p><noscript><p>Skript er slått av.</p></noscript>
<img src="${u('img.png')}"><img srcset="${u('srcset.png')} 1x" alt=""><picture><source srcset="${u('source.png')}"><img alt=""></picture>
<iframe src="${u('frame.html')}"></iframe><iframe srcdoc="<img src='${u('srcdoc.png')}'>"></iframe><iframe src="data:text/html,<img src='${u('data-frame.png')}'>"></iframe>
<object data="${u('object')}"></object><embed src="${u('embed')}"><video poster="${u('poster.png')}" src="${u('video.mp4')}"></video><audio src="${u('audio.mp3')}"></audio>
<svg width="10" height="10"><image href="${u('svg-image.png')}" width="10" height="10"/><use href="${u('use.svg#a')}"/></svg>
<input type="image" src="${u('input.png')}" alt=""><div style="background-image: url('${u('inline-style.png')}')">x</div>
<img src="http://localhost:${new URL(base).port}/localhost.png"><a href="${u('link')}" ping="${u('ping')}">lenkje</a>
</body></html>`;
}

async function pdfText(pdf: Uint8Array, name: string): Promise<string> {
  const file = join(work, `${name}.pdf`);
  await writeFile(file, pdf);
  return (await readPdf(file)).text;
}

const noSpace = (text: string) => text.replace(/[\s\u00a0\u202f]+/g, '');

describe('the print page', () => {
  test('control: an unlocked page in a plain Chromium does hit the server', async () => {
    const { default: puppeteer } = await import('puppeteer');
    const browser = await puppeteer.launch({ headless: true, pipe: true, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.setContent(hostilePage(), { waitUntil: 'load' });
    } finally {
      await closeBrowser(browser);
    }
    expect(hits.length).toBeGreaterThan(5);
    expect(connections).toBeGreaterThan(0);
  });

  test('the printer on raw hostile HTML: zero connections, scripts off, navigation blocked', async () => {
    const watch = watchChromium(mark);
    const printer = openPrinter({ timeoutMs: 30_000 });
    let pdf: Uint8Array;
    try {
      pdf = await printer.print(hostilePage(), options);
    } finally {
      await printer.close();
    }
    expect(hits).toEqual([]);
    expect(connections).toBe(0);
    const text = await pdfText(pdf, 'raw');
    expect(text).toContain('Vanleg tekst.');
    expect(text).toContain('Skript er slått av.'); // <noscript> shows: scripts are off
    expect(text).not.toContain('JS RAN');
    const left = await watch.stop();
    expect(left, describeProcesses(left)).toEqual([]);
  });

  test("below the page lock-down, the printer's browser itself reaches no address (--host-resolver-rules)", async () => {
    const browser = await launchBrowser({ timeoutMs: 30_000 });
    try {
      const page = await browser.newPage(); // no interception, scripts on
      await page.evaluate(async (url) => fetch(url, { mode: 'no-cors' }).catch(() => null), `${base}/fetch`);
      await page.setContent(hostilePage(), { waitUntil: 'load' });
    } finally {
      await closeBrowser(browser);
    }
    expect(hits).toEqual([]);
    expect(connections).toBe(0);
  });

  test('the printer (first tab, reused for a second document) on raw hostile HTML: zero connections', async () => {
    const watch = watchChromium(mark);
    const printer = openPrinter({ timeoutMs: 30_000 });
    const pdfs: Uint8Array[] = [];
    try {
      pdfs.push(await printer.print(hostilePage(), options));
      pdfs.push(await printer.print(hostilePage().replace('Vanleg tekst.', 'Andre dokument.'), options));
    } finally {
      await printer.close();
    }
    expect(hits).toEqual([]);
    expect(connections).toBe(0);
    expect(await pdfText(pdfs[0]!, 'first')).toContain('Vanleg tekst.');
    const second = await pdfText(pdfs[1]!, 'second');
    expect(second).toContain('Andre dokument.');
    expect(second).not.toContain('Vanleg tekst.');
    const left = await watch.stop();
    expect(left, describeProcesses(left)).toEqual([]);
  });
});

describe('hostile data through the real templates', () => {
  test('a table label, a category label and notes with markup come out as text, and fetch nothing', async () => {
    const hostile = {
      label: `<img src="${base}/label.png">`,
      industry: `Informasjon <img src="${base}/industry.png"> og kommunikasjon`,
      notes: [
        `<style>body { background: url(${base}/css.png) }</style> x url(${base}/bare-url.png)`,
        `<link rel=stylesheet href=${base}/note.css>`,
        `<iframe src="${base}/note-frame.html"></iframe>`,
      ],
    };
    // The AI briefing's table 13265, its labels and notes as a hostile StatBank could send them.
    const folder = structuredClone(committed('kunstig-intelligens'));
    const table = folder.dataset.tables['13265']!;
    table.label = { no: hostile.label };
    table.notes = hostile.notes;
    const industry = table.dimensions.find((d) => d.role === 'industry')!.categories.find((c) => c.code === '58-63')!;
    industry.label = { no: hostile.industry };

    const [built] = await buildBriefings(
      folder,
      { year: 2025, langs: ['nn'], templatesDir: join(projectRoot, 'templates'), print: { timeoutMs: 30_000 } },
      silentProgress(),
    );
    expect(hits).toEqual([]);
    expect(connections).toBe(0);
    expect(built!.html).not.toContain(`<img src="${base}`);
    expect(built!.html).toContain('&lt;img src&#x3D;'); // Handlebars escapes = as well
    const text = noSpace(await pdfText(built!.pdf, 'templated'));
    for (const literal of [hostile.label, hostile.industry, ...hostile.notes]) expect(text).toContain(noSpace(literal));
  });
});
