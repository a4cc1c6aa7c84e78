import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyCommittedData } from '../support/dataset.js';
import { runCli, type CliResult } from '../support/cli.js';
import { readPdf, squash, type PdfSummary } from '../support/pdf.js';

/** `briefing run` end to end, as a process, with real Chromium printing the PDF. */
describe('briefing run --year 2013 (real Chromium)', () => {
  let out: string;
  let result: CliResult;
  let pdf: PdfSummary;
  let html: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'briefing-e2e-'));
    await copyCommittedData(join(out, 'data'));
    result = await runCli(['run', '--offline', '--year', '2013', '--data', join(out, 'data'), '--out', out]);
    if (result.code === 0) {
      pdf = await readPdf(join(out, 'briefing-nn.pdf'));
      html = await readFile(join(out, 'briefing-nn.html'), 'utf8');
    }
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  test('exits 0 and reports one line per stage', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const stage of ['dataset', 'content', 'charts', 'html', 'pdf', 'archive']) {
      expect(result.stdout).toMatch(new RegExp(`^✓ ${stage}\\b.* \\d+ ms$`, 'm'));
    }
    expect(result.stdout).toMatch(/^✓ charts 3 rendered \d+ ms$/m);
  });

  test('writes the HTML and the PDF', () => {
    expect(existsSync(join(out, 'briefing-nn.html'))).toBe(true);
    expect(existsSync(join(out, 'briefing-nn.pdf'))).toBe(true);
  });

  test('the PDF carries the headline and every figure of the seed article', () => {
    const text = squash(pdf.text);
    expect(text).toContain('Eitt av to norske føretak bruker sosiale medium');
    expect(text).toContain('Berre 18 prosent');
    for (const figure of [50, 60, 12, 9, 5, 31, 24, 22, 18, 13, 12, 18]) expect(text).toMatch(new RegExp(`\\b${figure} prosent`));
  });

  test('the PDF has A4 pages, the page count the run reported, its title, language and page numbers', () => {
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
    expect(squash(pdf.pages[0]!)).toContain(`Side 1 av ${pdf.pageCount}`);
    expect(squash(pdf.pages.at(-1)!)).toContain(`Side ${pdf.pageCount} av ${pdf.pageCount}`);
    expect(pdf.outline).toContain('Få har ein klar strategi');
  });

  test('the run is archived as an edition, listed in index.html', async () => {
    const id = /editions\/(2013-nn-[0-9a-f]{12})/.exec(result.stdout)?.[1];
    expect(id).toBeDefined();
    const manifest = JSON.parse(await readFile(join(out, 'editions', id!, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ id, lang: 'nn', year: 2013, headline: 'Eitt av to norske føretak bruker sosiale medium', pageCount: pdf.pageCount, sent: [] });
    expect(await readFile(join(out, 'editions', id!, 'briefing.pdf'))).toEqual(await readFile(join(out, 'briefing-nn.pdf')));
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain(`editions/${id}/briefing.pdf`);
  });

  test('a second run on the same data makes no new edition and starts no browser', async () => {
    const before = await readFile(join(out, 'briefing-nn.pdf'));
    const again = await runCli(['run', '--offline', '--year', '2013', '--data', join(out, 'data'), '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^✓ archive unchanged: 2013-nn-[0-9a-f]{12} already archived/m);
    expect(again.stdout).not.toMatch(/^✓ (charts|pdf)/m);
    expect(await readFile(join(out, 'briefing-nn.pdf'))).toEqual(before);
  });

  test('the HTML is self-contained: styles, fonts and charts inline, nothing fetched', () => {
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="nn">/);
    expect(html).toContain('@font-face');
    expect(html).toContain('data:font/woff2;base64,');
    expect(html.match(/<figure class="chart"/g)?.length).toBe(3);
    expect(html).not.toMatch(/<(link|script|img)\b/);
    expect(html).not.toMatch(/\bsrc="http/);
  });
});

describe('three languages in one run', () => {
  test('nn, nb and en each get an HTML and a PDF in their language', async () => {
    const out = await mkdtemp(join(tmpdir(), 'briefing-langs-'));
    try {
      await copyCommittedData(join(out, 'data'));
      const result = await runCli(['run', '--offline', '--year', '2013', '--lang', 'nn,nb,en', '--data', join(out, 'data'), '--out', out]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const headlines = { nn: 'Eitt av to norske føretak', nb: 'Ett av to norske foretak', en: 'One in two Norwegian enterprises' };
      for (const [lang, headline] of Object.entries(headlines)) {
        const pdf = await readPdf(join(out, `briefing-${lang}.pdf`));
        expect(squash(pdf.text)).toContain(headline);
        expect(pdf.lang).toBe(lang);
        const html = await readFile(join(out, `briefing-${lang}.html`), 'utf8');
        expect(html).toContain(`<html lang="${lang}">`);
      }
      const en = squash((await readPdf(join(out, 'briefing-en.pdf'))).text);
      expect(en).toContain('Page 1 of');
      expect(en).toContain('Source: Statistics Norway');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
