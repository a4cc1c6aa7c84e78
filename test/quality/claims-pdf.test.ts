import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EditionManifest } from '../../pipeline/archive.js';
import { buildBriefing, type Briefing, type Claim } from '../../pipeline/briefing/content.js';
import { headlineYears } from '../../pipeline/briefing/facts.js';
import { Figures } from '../../pipeline/briefing/figures.js';
import { languages, type Lang } from '../../pipeline/briefing/model.js';
import { plain } from '../../pipeline/text/rich.js';
import { committed, loadFolder } from '../support/briefing-text.js';
import { runCli } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { squash } from '../support/pdf.js';

/**
 * "A test reads the PDF text of every edition and fails on any number that is not in its claims."
 *
 * Every edition of both committed briefings (every year with a headline figure, in nn, nb and en) is built as a
 * person builds it: `briefing run --offline --lang nn,nb,en --year Y` on a copy of the briefing's folder. Then, for
 * each edition in the archive: every number pdftotext reads in its PDF (a run of digits; "10-19" is two numbers, a
 * decimal with a comma one) must be a number of some claim's text in its claims.json; claims.json has the edition's
 * shape (every fact a kind and observation ids the dataset has); and the print holds up as SSB would check it: every
 * page carries the running header and its page number, no page holds only the about box or a lone heading or ends
 * with a heading, and the source stands under each chart and each appendix table.
 */

const run = promisify(execFile);
type Name = 'sosiale-medium' | 'kunstig-intelligens';
const names: Name[] = ['sosiale-medium', 'kunstig-intelligens'];
const yearsOf = (name: Name) => {
  const { dataset, definition } = committed(name);
  return headlineYears(new Figures(dataset, definition));
};

interface Edition {
  manifest: EditionManifest;
  claims: { edition: string; lang: Lang; year: number; claims: Claim[] };
  /** pdftotext's text, one entry per page. */
  pages: string[];
  /** The same edition built in-process (no context): its headings, charts and their sources. */
  briefing: Briefing;
}

/** The numbers in a text: digit runs, a decimal comma inside one ("44,5"). */
const numbersIn = (text: string): string[] => text.match(/\d+(?:,\d+)?/g) ?? [];

/** Numbers of `pdfText` that no claim's text has. */
function unclaimedNumbers(pdfText: string, claims: readonly Claim[]): string[] {
  const claimed = new Set(claims.flatMap((c) => numbersIn(c.text)));
  return [...new Set(numbersIn(pdfText).filter((n) => !claimed.has(n)))];
}

let work: string;
const editions = new Map<string, Edition>();
const folders = new Map<Name, string>();
const key = (name: Name, year: number, lang: Lang) => `${name} ${year} ${lang}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'briefing-claims-pdf-'));
  // The two briefings side by side (a folder each, so no lock is shared), their years one after the other.
  await Promise.all(
    names.map(async (name) => {
      const data = await copyBriefing(name, join(work, `${name}-data`));
      folders.set(name, data);
      const out = join(work, `${name}-out`);
      for (const year of yearsOf(name)) {
        const result = await runCli(['run', '--offline', '--lang', languages.join(','), '--year', String(year), '--data', data, '--out', out]);
        if (result.code !== 0) throw new Error(`briefing run --year ${year} (${name}) exited ${result.code}:\n${result.stdout}${result.stderr}`);
      }
      const { dataset, definition } = loadFolder(data);
      for (const id of await readdir(join(out, 'editions'))) {
        const dir = join(out, 'editions', id);
        const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as EditionManifest;
        const claims = JSON.parse(await readFile(join(dir, 'claims.json'), 'utf8')) as Edition['claims'];
        const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', join(dir, 'briefing.pdf'), '-'], { maxBuffer: 16 * 1024 * 1024 });
        // pdftotext ends every page with a form feed.
        const pages = stdout.split('\f').slice(0, -1);
        const briefing = buildBriefing(dataset, definition, manifest.year, manifest.lang);
        editions.set(key(name, manifest.year, manifest.lang), { manifest, claims, pages, briefing });
      }
    }),
  );
}, 300_000);
afterAll(() => rm(work, { recursive: true, force: true }));

const edition = (name: Name, year: number, lang: Lang) => {
  const e = editions.get(key(name, year, lang));
  if (!e) throw new Error(`no edition ${key(name, year, lang)} in the archive (have: ${[...editions.keys()].join('; ')})`);
  return e;
};

/** The page's own text: without the running header (its first line) and the page number (its last). */
function body(e: Edition, page: number): string[] {
  const header = claimOf(e, 'header').text;
  const lines = e.pages[page]!.split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const footer = `${e.briefing.ui.page} ${page + 1} ${e.briefing.ui.of} ${e.pages.length}`;
  return lines.filter((l, i) => !(i === 0 && l === header) && !(i === lines.length - 1 && l === footer));
}

const claimOf = (e: Edition, kind: string) => e.claims.claims.find((c) => c.facts.some((f) => f.kind === kind))!;

describe('the checker', () => {
  test('reads numbers as the issue says: digit runs, a range as two, a decimal comma as one', () => {
    expect(numbersIn('10-19 sysselsette, 44,5 prosent, side 2 av 4, 2013–2019, 1. oktober 2013')).toEqual([
      '10',
      '19',
      '44,5',
      '2',
      '4',
      '2013',
      '2019',
      '1',
      '2013',
    ]);
  });

  test("can fail: the 2013 edition's PDF against the 2019 edition's claims has numbers no claim says", () => {
    const first = edition('sosiale-medium', 2013, 'nn');
    const later = edition('sosiale-medium', 2019, 'nn');
    expect(unclaimedNumbers(first.pages.join('\n'), later.claims.claims).length).toBeGreaterThan(3);
  });
});

for (const name of names) {
  describe(`${name}: every edition`, () => {
    const years = yearsOf(name);

    test('is in the archive: every year with a headline figure, in nn, nb and en', () => {
      expect(years.length).toBeGreaterThanOrEqual(4);
      for (const year of years) for (const lang of languages) expect(edition(name, year, lang).manifest.pageCount).toBe(edition(name, year, lang).pages.length);
    });

    for (const year of years) {
      for (const lang of languages) {
        describe(`${year} ${lang}`, () => {
          test("every number in the PDF's text is in a claim of its claims.json", () => {
            const e = edition(name, year, lang);
            const text = e.pages.join('\n');
            expect(numbersIn(text).length).toBeGreaterThan(20);
            expect(unclaimedNumbers(text, e.claims.claims), `${key(name, year, lang)}: numbers printed that no claim says`).toEqual([]);
          });

          test("claims.json: the edition's, every claim a place and text, every fact a kind and observations the dataset has", () => {
            const e = edition(name, year, lang);
            const { dataset } = loadFolder(folders.get(name)!);
            const ids = new Set(dataset.observations.map((o) => o.id));
            expect(e.claims).toMatchObject({ edition: e.manifest.id, lang, year });
            const claims = e.claims.claims;
            expect(new Set(claims.map((c) => c.id)).size).toBe(claims.length);
            for (const c of claims) {
              const where = `${c.id} (${c.where}): "${c.text}"`;
              expect(c.where, where).toMatch(/^(headline|lede|key-figure|section:(groups|types|purposes|policy)|note|about|chart:[a-z]+|edition|page)$/);
              expect(c.text.trim(), where).not.toBe('');
              expect(Array.isArray(c.facts), where).toBe(true);
              // A claim that prints a number rests on at least one fact.
              if (/\d/.test(c.text)) expect(c.facts.length, where).toBeGreaterThan(0);
              for (const f of c.facts) {
                expect(typeof f.kind === 'string' && f.kind !== '', where).toBe(true);
                expect(Array.isArray(f.observations), where).toBe(true);
                const unknown = f.observations.filter((id) => !ids.has(id));
                expect(unknown, `${where}: ${f.kind} names observations the dataset does not have`).toEqual([]);
              }
            }
            // The figures the headline and the key figures stand on are named.
            for (const where of ['headline', 'key-figure']) {
              expect(claims.filter((c) => c.where === where).flatMap((c) => c.facts.flatMap((f) => f.observations)).length, where).toBeGreaterThan(0);
            }
          });

          test('print: every page its running header and page number; no page only the about box or a lone heading', () => {
            const e = edition(name, year, lang);
            const b = e.briefing;
            const header = claimOf(e, 'header').text;
            expect(header).toContain(b.title);
            expect(e.pages.length).toBeGreaterThanOrEqual(2);
            e.pages.forEach((page, i) => {
              const lines = page
                .split('\n')
                .map((l) => l.trim())
                .filter(Boolean);
              expect(lines[0], `page ${i + 1}: the running header first`).toBe(header);
              expect(lines.at(-1), `page ${i + 1}: the page number last`).toBe(`${b.ui.page} ${i + 1} ${b.ui.of} ${e.pages.length}`);
            });
            // The about box runs from its heading to the appendix's heading (or the end).
            const bodies = e.pages.map((_, i) => body(e, i));
            const all = bodies.flat();
            const aboutAt = all.indexOf(b.ui.about);
            const appendixAt = all.indexOf(b.ui.appendix);
            expect(aboutAt, "the about box's heading").toBeGreaterThan(0);
            const headings = new Set([
              ...b.sections.map((s) => squash(plain(s.heading.text))),
              b.ui.notes,
              b.ui.about,
              b.ui.sources,
              b.ui.changesHeading,
              b.ui.appendix,
            ]);
            let start = 0;
            bodies.forEach((lines, i) => {
              const end = start + lines.length;
              const where = `page ${i + 1} of ${key(name, year, lang)}: ${JSON.stringify(lines.join(' / ').slice(0, 300))}`;
              expect(lines.length, `${where} is empty`).toBeGreaterThan(0);
              expect(start >= aboutAt && (appendixAt < 0 || end <= appendixAt), `${where} holds only the about box`).toBe(false);
              expect(headings.has(squash(lines.join(' '))), `${where} holds only a heading`).toBe(false);
              // Nor does a page end with a heading (of one line or two) whose text is on the next.
              const tail = [lines.at(-1)!, lines.slice(-2).join(' ')].map(squash);
              expect(
                tail.some((l) => headings.has(l)),
                `${where} ends with a heading`,
              ).toBe(false);
              start = end;
            });
          });

          test('print: the source stands under each chart and each appendix table, on its page', () => {
            const e = edition(name, year, lang);
            const b = e.briefing;
            const pages = e.pages.map((_, i) => squash(body(e, i).join('\n')));
            expect(b.charts.length).toBeGreaterThan(0);
            for (const chart of b.charts) {
              const source = b.chartSources[chart.id]!;
              expect(
                claimOf(e, 'source') && e.claims.claims.some((c) => c.where === `chart:${chart.id}` && c.text === source),
                `${chart.id}: its source is a claim`,
              ).toBe(true);
              for (const caption of [`${chart.title} ${chart.subtitle}`, `${chart.title}. ${chart.subtitle}`]) {
                const page = pages.find((p) => p.includes(caption));
                expect(page, `${chart.id}: "${caption}" printed`).toBeDefined();
                const after = page!.slice(page!.indexOf(caption) + caption.length);
                const next = after.indexOf(b.ui.source);
                expect(next, `${chart.id}: a source after "${caption}" on its page`).toBeGreaterThanOrEqual(0);
                expect(
                  after.slice(next).startsWith(source),
                  `${chart.id}: the first source after "${caption}" is "${source}", not "${after.slice(next, next + source.length)}"`,
                ).toBe(true);
                // Nothing of another section in between: the source belongs to this chart.
                for (const s of b.sections) expect(after.slice(0, next), `${chart.id}: "${caption}"`).not.toContain(squash(plain(s.heading.text)));
              }
            }
          });
        });
      }
    }
  });
}
