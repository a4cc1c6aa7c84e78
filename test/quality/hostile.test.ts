import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Dataset } from '../../pipeline/store/dataset.js';
import { projectRoot } from '../../pipeline/io/paths.js';
import { committedDataset } from '../support/dataset.js';
import { readPdf, squash } from '../support/pdf.js';
import { buildDocument, launchTestBrowser, printDocument, type BuiltDocument } from '../support/visual.js';

/**
 * Text from data is text, never markup: an industry label, a table's label and its notes, and a source URL that
 * carry HTML, Handlebars, quotes and Markdown come out escaped in the HTML (no element, no evaluated expression, no
 * link to javascript:), still valid, and as the same literal characters in the PDF.
 */

const run = promisify(execFile);
const hostile = `<script>alert("x")</script> {{lookup . 'x'}} **fet** [lenke](http://x) 'sitat' & <b>bold</b>`;
const tableLabel = `Tabell "${hostile}"`;
const tableNote = `Merk: <img src=x onerror="alert(1)"> {{#each this}}x{{/each}} _kursiv_`;

let dir: string;
let browser: Browser;
let doc: BuiltDocument;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'briefing-hostile-'));
  const launching = launchTestBrowser();
  const base = committedDataset();
  const dataset: Dataset = {
    ...base,
    tables: { '10977': { id: '10977', series: 'SN2007', label: tableLabel, updated: '2025-08-20T06:00:00Z', fetchedAt: '2025-08-21T00:00:00Z', notes: [tableNote] } },
    observations: base.observations.map((o) => {
      if (o.year !== 2019) return o;
      const industry = o.industry === '45' ? hostile : o.industry;
      return { ...o, industry, table: o.measure === 'wikis' ? null : '10977', source: o.measure === 'wikis' ? 'javascript:alert(3)' : o.source };
    }),
  };
  doc = await buildDocument(dataset, 2019, 'nn', { nextRelease: { date: '2026-09-12', link: 'javascript:alert(4)' } });
  file = join(dir, 'hostile.html');
  await writeFile(file, doc.html);
  browser = await launching;
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('hostile labels and notes in the HTML', () => {
  test('come out escaped: no element, no expression evaluated, Markdown left as written', () => {
    const { html } = doc;
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<img\b|<b>bold/i);
    expect(html).not.toMatch(/\sonerror=/i);
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).not.toMatch(/<strong>|<em>/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('{{lookup . &#x27;x&#x27;}}');
    expect(html).toContain('{{#each this}}x{{/each}}');
    expect(html).toContain('**fet** [lenke](http://x)');
    // In the chart's SVG, the label is escaped XML text, and inside the text alternative an escaped attribute.
    expect(doc.charts[0]!.svg).toContain('&lt;script&gt;alert("x")&lt;/script&gt;');
    expect(doc.charts[0]!.svg).toMatch(/aria-label="[^"]*&lt;script&gt;alert\(&quot;x&quot;\)/);
  });

  test('the document stays valid HTML (vnu)', async () => {
    const jar = join(projectRoot, 'node_modules/vnu-jar/build/dist/vnu.jar');
    const result = await run('java', ['-jar', jar, '--format', 'json', '--stdout', file], { maxBuffer: 8 * 1024 * 1024 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
    );
    const messages = (JSON.parse(result.stdout) as { messages: { type: string; message: string }[] }).messages;
    expect(messages.map((m) => `${m.type}: ${m.message}`)).toEqual([]);
  }, 30_000);

  test('a browser, with JavaScript on, shows the characters and runs nothing', async () => {
    const page = await browser.newPage();
    try {
      const dialogs: string[] = [];
      page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      const seen = await page.evaluate(() => ({
        scripts: document.querySelectorAll('script, img, b').length,
        text: document.body.innerText,
        links: Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href') ?? ''),
      }));
      expect(dialogs).toEqual([]);
      expect(seen.scripts).toBe(0);
      // Running text names an industry in lower case ("i handel med ..."), so the label is there lower-cased.
      expect(seen.text).toContain(hostile.toLowerCase());
      expect(seen.text).toContain(tableLabel);
      expect(seen.text).toContain(tableNote);
      expect(seen.links.filter((h) => !/^(https?:|#note-)/.test(h))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('hostile labels and notes in the PDF', () => {
  test('are the same literal characters in its text', async () => {
    const pdf = await printDocument(browser, doc);
    const path = join(dir, 'hostile.pdf');
    await writeFile(path, pdf);
    const text = squash((await readPdf(path)).text);
    expect(text).toContain('<script>alert("x")</script>');
    expect(text).toContain("{{lookup . 'x'}} **fet** [lenke](http://x) 'sitat' & <b>bold</b>");
    expect(text).toContain('{{#each this}}x{{/each}} _kursiv_');
  });
});
