import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listEditions, type EditionManifest } from '../../pipeline/archive.js';
import { runCli, type CliResult } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { readPdf, squash, type PdfSummary } from '../support/pdf.js';
import { snapshot } from '../support/snapshot.js';

/**
 * `briefing run --offline` end to end, as a process, with real Chromium printing the PDFs: the social-media briefing
 * (the seed's 2013 story, and 2019, the latest year, in three languages) and the AI briefing. Every run goes through
 * a Chromium wrapper that counts its launches, so "starts no browser" is counted, not guessed from the output.
 */

const chromium = '/usr/bin/chromium';
let work: string;
let launches: string;
let wrapper: string;

/** A Chromium that records each launch in `launches` and then is the real one. */
async function chromiumWrapper(dir: string): Promise<void> {
  launches = join(dir, 'launches.log');
  wrapper = join(dir, 'chromium-counting');
  await writeFile(wrapper, `#!/bin/sh\necho launched >> '${launches}'\nexec ${chromium} "$@"\n`);
  await chmod(wrapper, 0o755);
}
const launchCount = async () => (await readFile(launches, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

const stageLine = (stage: string) => new RegExp(`^✓ ${stage}\\b.* \\d+ ms$`, 'm');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'briefing-report-'));
  await chromiumWrapper(work);
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe("the social-media briefing, 2013 (the seed's story)", () => {
  let data: string;
  let out: string;
  let result: CliResult;
  let pdf: PdfSummary;
  let editions: EditionManifest[];

  beforeAll(async () => {
    data = await copyBriefing('sosiale-medium', join(work, '2013', 'data'));
    out = join(work, '2013', 'out');
    result = await runCli(['run', '--offline', '--year', '2013', '--data', data, '--out', out], { env: { PUPPETEER_EXECUTABLE_PATH: wrapper } });
    if (result.code === 0) {
      pdf = await readPdf(join(out, 'briefing-nn.pdf'));
      editions = await listEditions(out);
    }
  });

  test('exits 0 with one line per stage and the files it wrote', () => {
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    for (const stage of ['content', 'charts', 'html', 'pdf', 'archive']) expect(result.stdout).toMatch(stageLine(stage));
    expect(result.stdout).toMatch(/^✓ content 2013 nn \d+ ms$/m);
    expect(result.stdout).toMatch(/^✓ charts 3 rendered \d+ ms$/m);
    expect(result.stdout).toMatch(/^✓ pdf 1 printed \d+ ms$/m);
    expect(result.stdout).toMatch(/^Briefing for 2013 \(nn \d+ pages; new edition\) in \d+ ms:$/m);
    expect(result.stdout).toContain(`  ${join(out, 'briefing-nn.html')}\n  ${join(out, 'briefing-nn.pdf')}\n`);
    expect(result.stdout).not.toMatch(/fetch|StatBank/); // --offline: the network is never touched
  });

  test('the PDF carries the headline and every figure of the seed article', () => {
    const text = squash(pdf.text);
    expect(text).toContain('Eitt av to norske føretak bruker sosiale medium');
    expect(text).toContain('I 2013 brukte 50 prosent av føretaka med minst ti sysselsette sosiale medium');
    expect(text).toContain('Blant føretaka med 100 sysselsette eller fleire brukte 60 prosent sosiale medium');
    expect(text).toContain('Berre 18 prosent av føretaka med minst ti sysselsette hadde ein formell politikk');
    expect(text).toContain('44 prosent av føretaka brukte sosiale nettverk');
    expect(text).toContain('først publisert som 45 prosent 1. oktober 2013, seinare revidert til 44 prosent');
    for (const figure of [12, 9, 5, 31, 24, 22, 18, 13, 12]) expect(text).toMatch(new RegExp(`\\b${figure} prosent`));
    // The charts' tables: drawn, not only told.
    for (const label of ['Alle sysselsette', '100 sysselsette eller fleire', 'Sosiale nettverk', 'Rekruttering']) expect(text).toContain(label);
  });

  test('the PDF has A4 pages, the page count the run reported, its title, language, dates, page numbers and outline', () => {
    const reported = Number(/nn (\d+) pages/.exec(result.stdout)?.[1]);
    expect(pdf.pageCount).toBe(reported);
    expect(pdf.pageCount).toBeGreaterThanOrEqual(3);
    expect(pdf.pageCount).toBeLessThanOrEqual(5);
    for (const size of pdf.sizes) {
      expect(size.width).toBeCloseTo(595, 0);
      expect(size.height).toBeCloseTo(842, 0);
    }
    expect(pdf.title).toBe('Sosiale medium i norske føretak 2013');
    expect(pdf.lang).toBe('nn');
    expect(squash(pdf.pages[0]!)).toContain('Sosiale medium i norske føretak 2013 · 1. oktober 2013');
    expect(squash(pdf.pages[0]!)).toContain(`Side 1 av ${pdf.pageCount}`);
    expect(squash(pdf.pages.at(-1)!)).toContain(`Side ${pdf.pageCount} av ${pdf.pageCount}`);
    expect(pdf.outline).toContain('Få har ein klar strategi');
  });

  test('the run is archived as an edition with its claims, listed in index.html', async () => {
    expect(editions.map((e) => e.id)).toEqual([expect.stringMatching(/^2013-nn-[0-9a-f]{12}$/)]);
    const [edition] = editions;
    expect(result.stdout).toContain(`✓ archive 1 new edition(s) in ${join(out, 'editions')}`);
    expect(edition).toMatchObject({
      briefing: 'sosiale-medium',
      lang: 'nn',
      year: 2013,
      headline: 'Eitt av to norske føretak bruker sosiale medium',
      editionDate: '2013-10-01',
      pageCount: pdf.pageCount,
      files: { html: 'briefing.html', pdf: 'briefing.pdf', claims: 'claims.json' },
    });
    expect(edition!.rebuiltAt).toBeUndefined();
    const dir = join(out, 'editions', edition!.id);
    expect(await readFile(join(dir, 'briefing.pdf'))).toEqual(await readFile(join(out, 'briefing-nn.pdf')));
    expect(await readFile(join(dir, 'briefing.html'))).toEqual(await readFile(join(out, 'briefing-nn.html')));
    const claims = JSON.parse(await readFile(join(dir, 'claims.json'), 'utf8'));
    expect(claims).toMatchObject({ edition: edition!.id, lang: 'nn', year: 2013 });
    const texts = (claims.claims as { text: string }[]).map((c) => c.text).join('\n');
    expect(texts).toContain('Eitt av to norske føretak bruker sosiale medium');
    expect(texts).toContain(`Side ${pdf.pageCount} av ${pdf.pageCount}`);
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain(`editions/${edition!.id}/briefing.pdf`);
  });
});

describe('the social-media briefing, the latest year in three languages', () => {
  let data: string;
  let out: string;
  let result: CliResult;
  let launchesFirst: number;

  beforeAll(async () => {
    data = await copyBriefing('sosiale-medium', join(work, 'langs', 'data'));
    out = join(work, 'langs', 'out');
    const before = await launchCount();
    result = await runCli(['run', '--offline', '--lang', 'nn,nb,en', '--data', data, '--out', out], { env: { PUPPETEER_EXECUTABLE_PATH: wrapper } });
    launchesFirst = (await launchCount()) - before;
  });

  test('with no --year it is 2019, the latest year with the headline figure; nn, nb and en share one browser', async () => {
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^✓ content 2019 nn,nb,en \d+ ms$/m);
    expect(result.stdout).toMatch(/^✓ pdf 3 printed \d+ ms$/m);
    expect(result.stdout).toMatch(/^Briefing for 2019 \(nn \d+ pages, nb \d+ pages, en \d+ pages; new edition\)/m);
    expect(launchesFirst).toBe(1);
    expect((await listEditions(out)).map((e) => e.id).sort()).toEqual([
      expect.stringMatching(/^2019-en-/),
      expect.stringMatching(/^2019-nb-/),
      expect.stringMatching(/^2019-nn-/),
    ]);
  });

  test('each language gets an HTML and a PDF in its own words', async () => {
    const expected = {
      nn: {
        headline: 'Vel tre av fire norske føretak bruker sosiale medium',
        page: 'Side 1 av',
        words: 'I 2019 brukte 76 prosent av føretaka med minst ti sysselsette sosiale medium, opp frå 72 prosent i 2017',
      },
      nb: { headline: 'Vel tre av fire norske foretak bruker sosiale medier', page: 'Side 1 av', words: '76 prosent' },
      en: {
        headline: 'Just over three in four Norwegian enterprises use social media',
        page: 'Page 1 of',
        words: 'In 2019, 76 per cent of enterprises with at least ten persons employed used social media, up from 72 per cent in 2017',
      },
    };
    for (const [lang, e] of Object.entries(expected)) {
      const pdf = await readPdf(join(out, `briefing-${lang}.pdf`));
      const text = squash(pdf.text);
      expect(pdf.lang).toBe(lang);
      expect(text, lang).toContain(e.headline);
      expect(text, lang).toContain(e.page);
      expect(text, lang).toContain(e.words);
      const html = await readFile(join(out, `briefing-${lang}.html`), 'utf8');
      expect(html).toMatch(new RegExp(`^<!DOCTYPE html>\\n<html lang="${lang}">`));
    }
    expect(squash((await readPdf(join(out, 'briefing-en.pdf'))).text)).toContain('Source: Statistics Norway');
  });

  test('the HTML is self-contained: styles, fonts and charts inline, nothing to fetch', async () => {
    for (const lang of ['nn', 'nb', 'en']) {
      const html = await readFile(join(out, `briefing-${lang}.html`), 'utf8');
      expect(html).toContain('@font-face');
      expect(html).toContain('url(data:font/woff2;base64,');
      expect(html.match(/<figure class="chart"/g)?.length).toBe(2);
      expect(html.match(/<svg\b/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
      expect(html).not.toMatch(/<(link|script|img|iframe|object|embed)\b/i);
      expect(html).not.toMatch(/\ssrc(set)?=/i);
      expect(html).not.toMatch(/@import/i);
      // Every url() is inline data; every href is a link for the reader (ssb.no), or a fragment.
      expect([...html.matchAll(/url\(\s*['"]?([^'")]*)/g)].filter((m) => !m[1]!.startsWith('data:'))).toEqual([]);
      expect([...html.matchAll(/<(?!a\b)[a-z]+\b[^>]*\shref=/g)]).toEqual([]);
    }
  });

  test('a second run on the same data makes no new edition, starts no browser and writes nothing', async () => {
    const before = await snapshot(out);
    const launched = await launchCount();
    const again = await runCli(['run', '--offline', '--lang', 'nn,nb,en', '--data', data, '--out', out], { env: { PUPPETEER_EXECUTABLE_PATH: wrapper } });
    expect(again.stderr).toBe('');
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(
      /^✓ archive unchanged: 2019-nn-[0-9a-f]{12}, 2019-nb-[0-9a-f]{12}, 2019-en-[0-9a-f]{12} already archived \(--force rebuilds\) \d+ ms$/m,
    );
    expect(again.stdout).toMatch(/^Briefing for 2019 \(nn \d+ pages, nb \d+ pages, en \d+ pages; unchanged, no new edition\)/m);
    expect(again.stdout).not.toMatch(/^✓ (content|charts|html|pdf)\b/m);
    expect(await launchCount()).toBe(launched);
    expect(await snapshot(out)).toEqual(before); // bytes and modification times
  });
});

describe('the AI briefing (table 13265), run from outside the project folder', () => {
  let cwd: string;
  let out: string;
  let result: CliResult;

  beforeAll(async () => {
    // A working folder with nothing of the project in it, and no PUPPETEER_EXECUTABLE_PATH: the browser must come
    // from the project's .puppeteerrc.cjs, read from the project root whatever the working folder.
    cwd = await mkdtemp(join(work, 'elsewhere-'));
    const data = await copyBriefing('kunstig-intelligens', join(work, 'ai', 'data'));
    out = join(work, 'ai', 'out');
    result = await runCli(['run', '--offline', '--briefing', 'kunstig-intelligens', '--lang', 'nn,en', '--data', data, '--out', out], { cwd });
  });

  test('Chromium is found and the briefing is built, nothing written to the working folder', async () => {
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^✓ pdf 2 printed \d+ ms$/m);
    expect(result.stdout).toMatch(/^Briefing for 2025 \(nn \d+ pages, en \d+ pages; new edition\)/m);
    expect(await readdir(cwd)).toEqual([]);
  });

  test('nn: 2025 with 30 per cent, up from 21 per cent in 2024, information and communication 80, outside finance', async () => {
    const pdf = await readPdf(join(out, 'briefing-nn.pdf'));
    const text = squash(pdf.text);
    expect(pdf.title).toBe('Kunstig intelligens i norske føretak 2025');
    expect(text).toContain('Tre av ti norske føretak bruker kunstig intelligens');
    expect(text).toContain(
      'I 2025 brukte 30 prosent av føretaka med minst ti sysselsette utanom finansnæringane kunstig intelligens, opp frå 21 prosent i 2024',
    );
    expect(text).toContain('høgast i informasjon og kommunikasjon, med 80 prosent');
    expect(text).toContain('Opp 9 prosentpoeng frå 2024');
    expect(text).toContain('tabell 13265');
  });

  test('en: the same figures in English', async () => {
    const pdf = await readPdf(join(out, 'briefing-en.pdf'));
    const text = squash(pdf.text);
    expect(pdf.lang).toBe('en');
    expect(text).toContain('Three in ten Norwegian enterprises use artificial intelligence');
    expect(text).toContain(
      'In 2025, 30 per cent of enterprises with at least ten persons employed outside the financial sector used artificial intelligence, up from 21 per cent in 2024',
    );
    expect(text).toContain('highest in information and communication, at 80 per cent');
  });
});
