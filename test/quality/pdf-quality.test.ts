import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFString, PDFHexString, type PDFObject } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Lang } from '../../pipeline/briefing/model.js';
import { generator, type BuiltBriefing } from '../../pipeline/build.js';
import { plain } from '../../pipeline/text/rich.js';
import { committed } from '../support/briefing-text.js';
import { readPdf, squash, type PdfSummary } from '../support/pdf.js';
import { buildEditions } from '../support/visual.js';

/**
 * The printed briefing, checked on what the real build makes (buildBriefings: Chromium, then pdf-meta.ts): A4,
 * metadata whose dates are the figures' own, an outline with every heading whole, tagging, embedded fonts, the running
 * header and the page numbers, no heading left at the foot of a page, no chart or table split, and the same bytes
 * from the same data. Three editions: the social-media story's first year (articles, a revision without a date) and
 * 2019 (no dated source at all), and the AI briefing's 2025 (table 13265, its update date).
 */

const run = promisify(execFile);
type Name = 'sosiale-medium' | 'kunstig-intelligens';
interface Edition {
  name: Name;
  year: number;
  lang: Lang;
  built: BuiltBriefing;
  file: string;
  summary: PdfSummary;
  info: Record<string, string>;
}

const plan: [Name, number, Lang][] = [
  ['sosiale-medium', 2013, 'nn'],
  ['sosiale-medium', 2019, 'en'],
  ['kunstig-intelligens', 2025, 'nb'],
];
let dir: string;
const editions: Edition[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'briefing-pdf-'));
  for (const [name, year, lang] of plan) {
    const [built] = await buildEditions(committed(name), year, [lang]);
    const file = join(dir, `${name}-${year}-${lang}.pdf`);
    await writeFile(file, built!.pdf);
    // pdfinfo prints dates in the local time zone: UTC, to compare.
    const { stdout } = await run('pdfinfo', [file], { env: { ...process.env, TZ: 'UTC' } });
    const info = Object.fromEntries(
      stdout
        .split('\n')
        .filter((l) => l.includes(':'))
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
    );
    editions.push({ name, year, lang, built: built!, file, summary: await readPdf(file), info });
  }
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const each = (fn: (e: Edition) => void | Promise<void>) => async () => {
  expect(editions).toHaveLength(plan.length);
  for (const e of editions) await fn(e);
};
const find = (name: Name, year: number) => editions.find((e) => e.name === name && e.year === year)!;

describe('the printed briefing', () => {
  test(
    'A4 pages, as many as the footer counts and the build says',
    each((e) => {
      expect(e.info['Page size']).toBe('594.96 x 841.92 pts (A4)');
      for (const size of e.summary.sizes) expect([Math.round(size.width), Math.round(size.height)]).toEqual([595, 842]);
      expect(e.summary.pageCount).toBe(e.built.pageCount);
      expect(e.summary.pageCount).toBeGreaterThanOrEqual(3);
      expect(e.summary.pageCount).toBeLessThanOrEqual(5);
      const b = e.built.briefing;
      for (const [i, page] of e.summary.pages.entries()) expect(squash(page)).toContain(`${b.ui.page} ${i + 1} ${b.ui.of} ${e.summary.pageCount}`);
    }),
  );

  test(
    'title, author, subject, keywords, language, creator; tagged, with XMP',
    each((e) => {
      const b = e.built.briefing;
      expect(e.info).toMatchObject({ Title: b.title, Subject: plain(b.headline.text), Tagged: 'yes', 'Metadata Stream': 'yes', Creator: generator() });
      expect(e.info.Author).toBe(b.ui.author);
      expect(e.info.Author).toMatch(
        e.lang === 'en' ? /^ssb-briefing, with figures from Statistics Norway$/ : /^ssb-briefing, med tal{1,2} fr[åa] Statistisk sentralbyrå$/,
      );
      expect(e.info.Keywords).toContain(e.lang === 'en' ? 'Statistics Norway, ICT' : 'SSB, IKT');
      expect(e.summary.title).toBe(b.title);
      expect(e.summary.lang).toBe(e.lang);
    }),
  );

  test("dates are the figures' own (published at 08:00 Oslo time), never the clock; none when no source gives one", () => {
    // 2013: SSB's article of 1 October 2013. A later revision without a date gives no later date.
    const first = find('sosiale-medium', 2013).info;
    expect(first.CreationDate).toBe('Tue Oct  1 07:00:00 2013 UTC');
    expect(first.ModDate === undefined || first.ModDate === first.CreationDate, `ModDate ${first.ModDate}`).toBe(true);
    // 2019: only undated articles.
    const undated = find('sosiale-medium', 2019).info;
    expect(undated.CreationDate).toBeUndefined();
    expect(undated.ModDate).toBeUndefined();
    // 2025: table 13265 as last updated, 24 September 2025.
    const table = find('kunstig-intelligens', 2025).info;
    expect(table.CreationDate).toBe('Wed Sep 24 07:00:00 2025 UTC');
    expect(table.ModDate).toBe(table.CreationDate);
  });

  test('one bookmark per heading, in order, with its words whole (a heading that wraps is not run together)', () => {
    expect(find('sosiale-medium', 2013).summary.outline).toEqual([
      'Eitt av to norske føretak bruker sosiale medium',
      'Dei store føretaka er meir aktive',
      'Sosiale nettverk er mest brukt',
      'Mest brukt til marknadsføring',
      'Få har ein klar strategi',
      'Merknader',
      'Om statistikken',
      'Kjelder',
      'Tabellvedlegg',
    ]);
    expect(find('sosiale-medium', 2019).summary.outline).toEqual([
      'Just over three in four Norwegian enterprises use social media',
      'By industry',
      'Social networks: the most used',
      'Notes',
      'About the statistics',
      'Sources',
      'Table appendix',
    ]);
    expect(find('kunstig-intelligens', 2025).summary.outline).toEqual([
      'Tre av ti norske foretak bruker kunstig intelligens',
      'Etter næring',
      'Typer KI-teknologi',
      'Om statistikken',
      'Kilder',
      'Tabellvedlegg',
    ]);
  });

  test(
    'every font is embedded and subset',
    each(async (e) => {
      const { stdout } = await run('pdffonts', [e.file]);
      const rows = stdout
        .split('\n')
        .slice(2)
        .filter((l) => l.trim());
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        // name, type (may hold spaces), encoding, then emb sub uni "yes"/"no", object id, generation
        const [emb, sub] = row.trim().split(/\s+/).slice(-5, -3);
        expect([row.split(/\s+/)[0], emb, sub]).toEqual([row.split(/\s+/)[0], 'yes', 'yes']);
      }
      expect(stdout).toMatch(/Roboto-Regular/);
      expect(stdout).toMatch(/RobotoCondensed-Bold/);
    }),
  );

  test(
    'the text carries the headline and the lede; every page the running header and its page number',
    each((e) => {
      const b = e.built.briefing;
      const text = squash(e.summary.text);
      expect(text).toContain(plain(b.headline.text));
      for (const sentence of b.lede) expect(text).toContain(squash(plain(sentence.text)));
      const header = e.built.claims.find((c) => c.facts.some((f) => f.kind === 'header'))!.text;
      expect(header).toContain(b.title);
      if (b.published) expect(header).toMatch(/ · \d/);
      for (const page of e.summary.pages) expect(squash(page)).toContain(header);
    }),
  );

  test(
    "each chart's text alternative is its figure's /Alt in the structure tree",
    each(async (e) => {
      const alts = await figureAlts(e.built.pdf);
      expect(e.built.briefing.charts.length).toBeGreaterThan(0);
      for (const chart of e.built.briefing.charts) expect(alts).toContain(chart.alt);
    }),
  );
});

describe('page breaks', () => {
  test(
    'no heading is the last thing on a page',
    each((e) => {
      const b = e.built.briefing;
      const headings = [...b.sections.map((s) => plain(s.heading.text)), ...(b.notes.length ? [b.ui.notes] : []), b.ui.about, b.ui.appendix];
      const pages = e.summary.pages.map(squash);
      for (const heading of headings) {
        const page = pages.find((p) => p.includes(heading));
        expect(page, `${e.name} ${e.year} ${e.lang}: "${heading}"`).toBeDefined();
        const after = page!.slice(page!.indexOf(heading) + heading.length).replace(new RegExp(`${b.ui.page} \\d+ ${b.ui.of} \\d+`), '');
        expect(after.trim().length, `${e.name} ${e.year} ${e.lang}: text after "${heading}"`).toBeGreaterThan(40);
      }
    }),
  );

  test(
    "a chart's title and its drawing, and a table's caption and its last row, are on the same page",
    each((e) => {
      const pages = e.summary.pages.map(squash);
      for (const chart of e.built.briefing.charts) {
        const lastRow = chart.table.at(-1)![0]!;
        // The drawing's axis title is the unit, below the subtitle on the chart's page.
        const drawn = pages.filter((p) => p.includes(chart.subtitle) && p.lastIndexOf(chart.unitLabel) > p.indexOf(chart.subtitle));
        expect(drawn.length, `${chart.id}: title with drawing`).toBeGreaterThanOrEqual(1);
        const caption = `${chart.title}. ${chart.subtitle}`;
        const tablePage = pages.find((p) => p.includes(caption) && p.lastIndexOf(lastRow) > p.lastIndexOf(caption));
        expect(tablePage, `${chart.id}: table "${caption}" ends on its page with "${lastRow}"`).toBeDefined();
      }
    }),
  );
});

describe('reproducible', () => {
  test('building the same edition again gives the same PDF bytes', async () => {
    const e = find('sosiale-medium', 2013);
    const [again] = await buildEditions(committed('sosiale-medium'), 2013, ['nn']);
    expect(again!.html === e.built.html).toBe(true);
    expect(Buffer.compare(Buffer.from(again!.pdf), Buffer.from(e.built.pdf))).toBe(0);
  });

  test(
    "setting the metadata keeps Chromium's structure: tagging, outline, language, fonts",
    each(async (e) => {
      const doc = await PDFDocument.load(e.built.pdf, { updateMetadata: false });
      for (const key of ['StructTreeRoot', 'MarkInfo', 'Outlines', 'Lang', 'Metadata']) expect(doc.catalog.has(PDFName.of(key)), key).toBe(true);
    }),
  );
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
    if (value instanceof PDFArray) {
      for (const item of value.asArray()) walk(item);
      return;
    }
    if (!(value instanceof PDFDict)) return;
    const alt = value.lookup(PDFName.of('Alt'));
    if (alt instanceof PDFString || alt instanceof PDFHexString) alts.push(alt.decodeText());
    walk(value.get(PDFName.of('K')));
  };
  walk(doc.catalog.get(PDFName.of('StructTreeRoot')));
  return alts;
}
