import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFString, PDFHexString, type PDFObject } from 'pdf-lib';
import type { Browser } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Lang } from '../../pipeline/text/format.js';
import { readPdf, squash, type PdfSummary } from '../support/pdf.js';
import { committedDataset } from '../support/dataset.js';
import { buildDocument, launchTestBrowser, printDocument, type BuiltDocument } from '../support/visual.js';

/**
 * The printed briefing, checked on real Chromium output after pipeline/pdf-meta.ts: A4, metadata, outline, tagging,
 * fonts, running header and footer, no heading left at the foot of a page, no chart or table split, and the same
 * bytes from the same HTML.
 */

const run = promisify(execFile);
interface Edition { year: number; lang: Lang; doc: BuiltDocument; pdf: Uint8Array; file: string; summary: PdfSummary; info: Record<string, string> }

let dir: string;
let browser: Browser;
const editions: Edition[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'briefing-pdf-'));
  browser = await launchTestBrowser();
  const dataset = committedDataset();
  for (const [year, lang] of [[2013, 'nn'], [2019, 'en']] as const) {
    const doc = await buildDocument(dataset, year, lang);
    const pdf = await printDocument(browser, doc);
    const file = join(dir, `${year}-${lang}.pdf`);
    await writeFile(file, pdf);
    const { stdout } = await run('pdfinfo', [file]);
    const info = Object.fromEntries(stdout.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
    editions.push({ year, lang, doc, pdf, file, summary: await readPdf(file), info });
  }
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

const each = (fn: (e: Edition) => void | Promise<void>) => async () => {
  for (const e of editions) await fn(e);
};

describe('the printed briefing', () => {
  test('A4 pages, as many as the footer counts', each((e) => {
    expect(e.info['Page size']).toBe('594.96 x 841.92 pts (A4)');
    for (const size of e.summary.sizes) expect([Math.round(size.width), Math.round(size.height)]).toEqual([595, 842]);
    expect(e.summary.pageCount).toBeGreaterThanOrEqual(3);
    expect(e.summary.pageCount).toBeLessThanOrEqual(5);
    e.summary.pages.forEach((page, i) => expect(squash(page)).toContain(`${e.doc.briefing.ui.page} ${i + 1} ${e.doc.briefing.ui.of} ${e.summary.pageCount}`));
  }));

  test('title, author, subject, keywords, language and the edition\'s date as its creation date; tagged, with XMP', each((e) => {
    const b = e.doc.briefing;
    expect(e.info).toMatchObject({ Title: b.title, Subject: b.headline, Tagged: 'yes', 'Metadata Stream': 'yes', Creator: 'ssb-briefing test' });
    expect(e.info.Author).toMatch(e.lang === 'en' ? /^ssb-briefing, with figures from Statistics Norway$/ : /^ssb-briefing, med tal frå Statistisk sentralbyrå$/);
    expect(e.info.Keywords).toContain(e.lang === 'en' ? 'social media, ICT' : 'sosiale medium, IKT');
    expect(e.summary.title).toBe(b.title);
    expect(e.summary.lang).toBe(e.lang);
    expect(e.info.CreationDate).toBe(e.year === 2013 ? 'Tue Oct  1 12:00:00 2013 UTC' : 'Tue Dec 31 12:00:00 2019 UTC');
    expect(e.info.ModDate).toBe(e.info.CreationDate);
  }));

  test('one bookmark per section, with its heading\'s words whole', () => {
    expect(editions[0]!.summary.outline).toEqual([
      'Eitt av to norske føretak bruker sosiale medium', 'Dei store føretaka er meir aktive', 'Sosiale nettverk er mest brukt',
      'Mest brukt til marknadsføring og omdømme', 'Få har ein klar strategi', 'Merknader', 'Om statistikken', 'Kjelder', 'Tabellvedlegg',
    ]);
    expect(editions[1]!.summary.outline).toEqual([
      'More than three in four Norwegian enterprises now use social media', 'Large enterprises are more active', 'Social networks are the most used',
      'About the statistics', 'Sources', 'Table appendix',
    ]);
  });

  test('every font is embedded and subset', each(async (e) => {
    const { stdout } = await run('pdffonts', [e.file]);
    const rows = stdout.split('\n').slice(2).filter((l) => l.trim());
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      // name, type (may hold spaces), encoding, then emb sub uni "yes"/"no", object id, generation
      const [emb, sub] = row.trim().split(/\s+/).slice(-5, -3);
      expect([row.split(/\s+/)[0], emb, sub]).toEqual([row.split(/\s+/)[0], 'yes', 'yes']);
    }
    expect(stdout).toMatch(/Roboto-Regular/);
    expect(stdout).toMatch(/RobotoCondensed-Bold/);
  }));

  test('the text carries the headline, the lede, the running header and the footer with the source', each((e) => {
    const b = e.doc.briefing;
    const text = squash(e.summary.text);
    expect(text).toContain(b.headline);
    expect(text).toContain(squash(b.lede));
    const first = squash(e.summary.pages[0]!);
    expect(first).toContain(e.year === 2013 ? 'Sosiale medium i norske føretak 2013 · 1. oktober 2013' : 'Social media in Norwegian enterprises 2019');
    for (const page of e.summary.pages) expect(squash(page)).toContain(b.ui.source);
  }));

  test('each chart\'s text alternative is its figure\'s /Alt in the structure tree', each(async (e) => {
    const alts = await figureAlts(e.pdf);
    for (const chart of e.doc.charts) expect(alts).toContain(chart.alt);
  }));
});

describe('page breaks', () => {
  test('no section heading is the last thing on a page', each((e) => {
    const b = e.doc.briefing;
    const headings = [...b.sections.map((s) => s.heading), ...(b.notes.length ? [b.ui.notes] : []), b.ui.about, b.ui.appendix];
    for (const heading of headings) {
      const page = e.summary.pages.map(squash).find((p) => p.includes(heading));
      expect(page, `${e.year} ${e.lang}: "${heading}"`).toBeDefined();
      const after = page!.slice(page!.indexOf(heading) + heading.length).replace(/(Side|Page) \d+ (av|of) \d+/, '').replace(b.ui.source, '');
      expect(after.trim().length, `${e.year} ${e.lang}: text after "${heading}"`).toBeGreaterThan(40);
    }
  }));

  test('a chart\'s title and its drawing, and a table\'s caption and its last row, are on the same page', each((e) => {
    const pages = e.summary.pages.map(squash);
    for (const chart of e.doc.charts) {
      const lastRow = chart.table.at(-1)![0]!;
      const drawn = pages.filter((p) => p.includes(chart.subtitle) && p.includes(e.doc.briefing.ui.percent));
      expect(drawn.length, `${chart.id}: title with drawing`).toBeGreaterThanOrEqual(1);
      const caption = `${chart.title}. ${chart.subtitle}`;
      const tablePage = pages.find((p) => p.includes(caption) && p.lastIndexOf(lastRow) > p.lastIndexOf(caption));
      expect(tablePage, `${chart.id}: table "${caption}" ends on its page with "${lastRow}"`).toBeDefined();
    }
  }));
});

describe('reproducible', () => {
  test('printing the same HTML again gives the same bytes', async () => {
    const e = editions[0]!;
    const again = await printDocument(browser, e.doc);
    expect(Buffer.compare(Buffer.from(again), Buffer.from(e.pdf))).toBe(0);
  });

  test('setting the metadata keeps Chromium\'s structure: tagging, outline, language, fonts', async () => {
    const doc = await PDFDocument.load(editions[1]!.pdf, { updateMetadata: false });
    for (const key of ['StructTreeRoot', 'MarkInfo', 'Outlines', 'Lang', 'Metadata']) expect(doc.catalog.has(PDFName.of(key)), key).toBe(true);
  });
});

/** Every /Alt in the structure tree. */
async function figureAlts(pdf: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const alts: string[] = [];
  const seen = new Set<PDFObject>();
  const walk = (node: PDFObject | undefined): void => {
    const value = node instanceof PDFRef ? doc.context.lookup(node) : node;
    if (!value || seen.has(value)) return;
    seen.add(value);
    if (value instanceof PDFArray) return value.asArray().forEach(walk);
    if (!(value instanceof PDFDict)) return;
    const alt = value.lookup(PDFName.of('Alt'));
    if (alt instanceof PDFString || alt instanceof PDFHexString) alts.push(alt.decodeText());
    walk(value.get(PDFName.of('K')));
  };
  walk(doc.catalog.get(PDFName.of('StructTreeRoot')));
  return alts;
}
