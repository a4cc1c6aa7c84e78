import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BuiltBriefing } from '../../pipeline/build.js';
import { DatasetError } from '../../pipeline/errors.js';
import { projectRoot } from '../../pipeline/io/paths.js';
import { parseDataset, serializeDataset } from '../../pipeline/store/dataset.js';
import { committed } from '../support/briefing-text.js';
import { runCli, type CliResult } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { squash } from '../support/pdf.js';
import { startReplayServer, v1Prefix, v2Prefix, type ReplayServer } from '../support/replay-server.js';
import { buildDocument, buildEditions, launchTestBrowser, type BuiltDocument } from '../support/visual.js';

/**
 * Text from data is text, never markup, never a trick on the reader:
 * - HTML, Handlebars, quotes and Markdown in a table's label, a category's label and SSB's notes come out escaped in
 *   the HTML (no element, no evaluated expression), the page stays valid, and the PDF shows the same literal characters;
 *   a dataset can't carry a javascript: link (its schema takes http(s) URLs only).
 * - Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and the rest) in a table's labels, notes or an article's
 *   title never reach the HTML or the PDF's text, so "98" can't be shown as "89".
 * - ANSI escape sequences (and other controls) in labels StatBank sends never reach the terminal: `briefing inspect`
 *   and `briefing run` against a StatBank on 127.0.0.1 whose table 13265 (the real recorded response, PxWebApi v1)
 *   has them in its labels, and a dataset file that carries them in a code.
 */

const run = promisify(execFile);
const hostile = `<script>alert("x")</script> {{lookup . 'x'}} **fet** [lenke](http://x) 'sitat' & <b>bold</b>`;
const tableLabel = `Tabell "${hostile}"`;
const tableNote = `Merk: <img src=x onerror="alert(1)"> {{#each this}}x{{/each}} _kursiv_`;
/** Every bidirectional control Unicode has: embeddings, overrides, isolates, marks. */
const bidi = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** ESC, BEL, the 8-bit CSI and the other C0/C1 controls a terminal acts on (newline and tab are text). */
const terminalControls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let dir: string;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'briefing-hostile-'));
  browser = await launchTestBrowser();
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

async function vnuMessages(file: string): Promise<string[]> {
  const jar = join(projectRoot, 'node_modules/vnu-jar/build/dist/vnu.jar');
  const result = await run('java', ['-jar', jar, '--format', 'json', '--stdout', file], { maxBuffer: 8 * 1024 * 1024 }).catch((error: { stdout?: string }) => ({
    stdout: error.stdout ?? '',
  }));
  return (JSON.parse(result.stdout) as { messages: { type: string; message: string }[] }).messages.map((m) => `${m.type}: ${m.message}`);
}

async function pdfText(pdf: Uint8Array, name: string): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  await writeFile(file, pdf);
  return (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
}

describe("markup in a table's labels and notes", () => {
  let built: BuiltBriefing;
  let doc: BuiltDocument;
  let file: string;

  beforeAll(async () => {
    // The AI briefing's table 13265 as a hostile StatBank could label it: its title, its top industry, a note.
    const folder = structuredClone(committed('kunstig-intelligens'));
    const table = folder.dataset.tables['13265']!;
    table.label = { no: tableLabel };
    table.notes = [tableNote];
    table.dimensions.find((d) => d.role === 'industry')!.categories.find((c) => c.code === '58-63')!.label = { no: hostile };
    const context = { nextRelease: { date: '2026-09-12', link: 'javascript:alert(4)' } };
    doc = await buildDocument(folder, 2025, 'nn', context);
    built = (await buildEditions(folder, 2025, ['nn'], context))[0]!;
    file = join(dir, 'hostile.html');
    await writeFile(file, built!.html);
  });

  test("the HTML the build writes is the preview's, byte for byte", () => {
    expect(built.html === doc.html).toBe(true);
  });

  test('come out escaped: no element, no expression evaluated, Markdown left as written', () => {
    const { html } = built;
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<img\b|<b>bold/i);
    expect(html).not.toMatch(/\sonerror=/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/<strong>|<em>/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('{{lookup . &#x27;x&#x27;}}');
    expect(html).toContain('{{#each this}}x{{/each}}');
    expect(html).toContain('**fet** [lenke](http://x)');
    // In the chart's SVG the label is escaped XML text, and inside the text alternative an escaped attribute.
    const groups = doc.charts.find((c) => c.id === 'groups')!;
    expect(groups.svg).toContain('&lt;script&gt;alert("x")&lt;/script&gt;');
    expect(groups.svg).toMatch(/aria-label="[^"]*&lt;script&gt;alert\(&quot;x&quot;\)/);
  });

  test('the document stays valid HTML (vnu)', async () => {
    expect(await vnuMessages(file)).toEqual([]);
  }, 30_000);

  test('a browser, with JavaScript on, shows the characters and runs nothing', async () => {
    const page = await browser.newPage();
    try {
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      const seen = await page.evaluate(() => ({
        elements: document.querySelectorAll('script, img, b, iframe').length,
        // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered (innerText) is what a reader sees
        text: document.body.innerText,
        links: Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href') ?? ''),
      }));
      expect(dialogs).toEqual([]);
      expect(seen.elements).toBe(0);
      expect(seen.text).toContain(hostile);
      expect(seen.text).toContain(tableLabel);
      expect(seen.text).toContain(tableNote);
      expect(seen.links.filter((h) => !/^(https?:|#)/.test(h))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test("are the same literal characters in the PDF's text", async () => {
    const text = squash(await pdfText(built.pdf, 'hostile'));
    expect(text).toContain('<script>alert("x")</script>');
    expect(text).toContain("{{lookup . 'x'}} **fet** [lenke](http://x) 'sitat' & <b>bold</b>");
    expect(text).toContain('{{#each this}}x{{/each}} _kursiv_');
  });

  test("a dataset can't carry a javascript: link: an article URL must be http(s)", () => {
    const { definition, dataset } = committed('sosiale-medium');
    const text = serializeDataset({ ...dataset, articles: dataset.articles.map((a, i) => (i === 0 ? { ...a, url: 'javascript:alert(3)' } : a)) });
    expect(() => parseDataset(text, 'dataset.json', definition)).toThrow(DatasetError);
    expect(() => parseDataset(text, 'dataset.json', definition)).toThrow(/field "articles\[0\]\.url": an http\(s\) URL/);
  });
});

describe("bidirectional controls in a table's labels, notes and an article's title", () => {
  // Shown as "… 89" by a browser or a PDF viewer that obeyed the override.
  const overridden = 'Informasjon og kommunikasjon \u202e98\u202c';
  const cleaned = 'Informasjon og kommunikasjon 98';

  test("never reach the HTML or the PDF's text; the figures read as they are", async () => {
    const folder = structuredClone(committed('kunstig-intelligens'));
    const table = folder.dataset.tables['13265']!;
    table.label = { no: `13265: Bruk av kunstig \u2067intelligens\u2069 \u202dteknologi\u202c (prosent)` };
    table.notes = ['Tal for 2024 er \u202e12\u202c prosent \u200fhøgare\u200e enn \u2066før\u2069.'];
    table.dimensions.find((d) => d.role === 'industry')!.categories.find((c) => c.code === '58-63')!.label = { no: `\u202b${overridden}\u061c` };
    const [built] = await buildEditions(folder, 2025, ['nn']);
    const html = built!.html;
    const pdf = await pdfText(built!.pdf, 'bidi');
    expect(html.match(bidi), 'a bidirectional control in the HTML').toBeNull();
    expect(pdf.match(bidi), "a bidirectional control in the PDF's text").toBeNull();
    expect(html).toContain(cleaned);
    expect(squash(pdf)).toContain(cleaned);
    expect(squash(pdf)).toContain('Tal for 2024 er 12 prosent høgare enn før.');
    expect(squash(pdf)).toContain('Bruk av kunstig intelligens teknologi (prosent)');
  });

  test("in an article's title (the social-media briefing's sources) neither", async () => {
    const folder = structuredClone(committed('sosiale-medium'));
    folder.dataset.articles[0]!.title = 'Eitt av to \u202eowt ni eno\u202c føretak';
    const { html } = await buildDocument(folder, 2013, 'nn');
    expect(html.match(bidi)).toBeNull();
    expect(html).toContain('Eitt av to owt ni eno føretak');
  });
});

describe('escape sequences in what StatBank sends never reach the terminal', () => {
  let ssb: ReplayServer;
  // Colour, clear screen, a window title (OSC … BEL), the 8-bit CSI, a bare carriage return, a right-to-left override.
  const dirty = (label: string) => `\u001b[31m${label}\u001b[0m\u001b[2J\u001b]0;pwned\u0007\u009b1m\r\u202e`;

  beforeAll(async () => {
    ssb = await startReplayServer();
    // PxWebApi v2 as if gone: the client falls back to v1, where the real recorded 13265 is served (as replay-cli.ts).
    ssb.setFault((request) => request.path.startsWith(v2Prefix), { kind: 'gone' }, Number.MAX_SAFE_INTEGER);
    const fixtures = join(projectRoot, 'test/fixtures/ssb/v0');
    const metadata = JSON.parse(await readFile(join(fixtures, '13265_v0_metadata.json'), 'utf8')) as { title: string; variables: { valueTexts: string[] }[] };
    metadata.title = dirty(metadata.title);
    for (const variable of metadata.variables) variable.valueTexts = variable.valueTexts.map(dirty);
    const data = JSON.parse(await readFile(join(fixtures, '13265_v0_data_jsonstat2.json'), 'utf8')) as {
      dimension: Record<string, { category: { label: Record<string, string> } }>;
    };
    for (const dimension of Object.values(data.dimension)) {
      for (const code of Object.keys(dimension.category.label)) dimension.category.label[code] = dirty(dimension.category.label[code]!);
    }
    const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json; charset=utf-8' } });
    ssb.routes.set(`GET ${v1Prefix}/no/table/13265`, json(metadata));
    ssb.routes.set(`POST ${v1Prefix}/no/table/13265`, json(data));
  });
  afterAll(() => ssb?.close());

  const env = () => ({ SSB_API_URL: ssb.v2Url, SSB_RETRY_BUDGET_MS: '2000', SSB_TIMEOUT_MS: '10000' });
  const clean = (result: CliResult) => {
    for (const [name, text] of [
      ['stdout', result.stdout],
      ['stderr', result.stderr],
    ] as const) {
      const found = [...text].filter((c) => terminalControls.test(c) || bidi.test(c)).map((c) => `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
      expect([...new Set(found)], `${name} holds controls: ${JSON.stringify(text.slice(0, 2000))}`).toEqual([]);
    }
  };

  test("`briefing inspect 13265` prints SSB's labels without them", async () => {
    const result = await runCli(['inspect', '13265'], { env: env() });
    expect(result.code, result.stdout).toBe(0);
    clean(result);
    expect(ssb.requests.some((r) => r.path === `${v1Prefix}/no/table/13265`)).toBe(true);
    expect(result.stdout).toContain('Informasjon og kommunikasjon');
    expect(result.stdout).toContain('Alle næringer, uten finansnæringene');
    expect(result.stdout).not.toContain('pwned');
  });

  test("`briefing run` fetching the table prints its warnings (SSB's measure labels quoted) without them, and builds a clean briefing", async () => {
    const data = await copyBriefing('kunstig-intelligens', join(dir, 'ai-data'));
    const out = join(dir, 'ai-out');
    // One measure the definition can't find in the table: the warning quotes every measure label the table has.
    const path = join(data, 'briefing.json');
    const definition = JSON.parse(await readFile(path, 'utf8')) as { measures: { id: string; match?: string; codes?: unknown }[] };
    const measure = definition.measures.find((m) => m.id === 'autonomous_machines')!;
    delete measure.codes;
    measure.match = '^ingen slik statistikkvariabel$';
    await writeFile(path, `${JSON.stringify(definition, null, 2)}\n`);

    const result = await runCli(['run', '--force', '--data', data, '--out', out], { env: env() });
    expect(result.code, result.stdout).toBe(0);
    clean(result);
    expect(result.stdout).toMatch(
      /measure autonomous_machines: no measure of table 13265 matches \/\^ingen slik statistikkvariabel\$\/ \(it has: "Tekstanalyse \(text mining\)", /,
    );
    expect(result.stdout).not.toContain('pwned');
    // The dataset keeps what SSB sent; what is shown is cleaned.
    expect(await readFile(join(data, 'dataset.json'), 'utf8')).toContain('\\u001b[31m');
    const html = await readFile(join(out, 'briefing-nn.html'), 'utf8');
    // pdftotext ends each page with a form feed of its own.
    const pdf = await run('pdftotext', ['-enc', 'UTF-8', join(out, 'briefing-nn.pdf'), '-']).then((r) => r.stdout.replaceAll('\f', '\n'));
    for (const [name, text] of [
      ['HTML', html],
      ['PDF', pdf],
    ] as const) {
      expect(text.match(terminalControls), `${name}: a control character`).toBeNull();
      expect(text.match(bidi), `${name}: a bidirectional control`).toBeNull();
      expect(text, name).not.toContain('[31m');
      expect(text, name).not.toContain('pwned'); // an OSC sequence goes with its text
    }
    expect(squash(pdf)).toContain('informasjon og kommunikasjon, med 80 prosent');
  });

  test('`briefing run` on a dataset file with escapes in a code: the error names the row, the terminal gets no escape', async () => {
    const data = await copyBriefing('kunstig-intelligens', join(dir, 'ai-bad'));
    const file = join(data, 'dataset.json');
    const text = await readFile(file, 'utf8');
    const row = '"NACE2007":"58-63","ContentsCode":"AutoArbFlyt","Tid":"2021"}';
    expect(text).toContain(row);
    await writeFile(file, text.replace(row, row.replace('"58-63"', JSON.stringify(`58-63${dirty('')}`))));
    const result = await runCli(['run', '--offline', '--data', data, '--out', join(dir, 'ai-bad-out')], { env: env() });
    expect(result.code, result.stdout).toBe(3);
    clean(result);
    expect(result.stderr).toMatch(/^✗ .*dataset\.json: row \d+, field "codes\.NACE2007": "58-63.*" is not a code of NACE2007/m);
  });
});
