import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listEditions, type EditionManifest } from '../../pipeline/archive.js';
import { launchBrowser } from '../../pipeline/render/pdf.js';
import { errorLines, runCli } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { briefingProblems, isCompletePdf } from '../support/run-state.js';
import { snapshot } from '../support/snapshot.js';

/**
 * The archive through the CLI: editions of two periods (2019 made first, 2013 made after it), `--force` rebuilding an
 * edition in place, a damaged archive repaired, `send` with no id picking the newest edition of each language, and
 * index.html listing them newest first on a 390 px phone (real Chromium).
 */

let work: string;
let data: string;
let out: string;
const langs = ['--lang', 'nn,en'];
const run = (...extra: string[]) => runCli(['run', '--offline', ...langs, '--data', data, '--out', out, ...extra]);
const byLang = (editions: EditionManifest[], year: number) => Object.fromEntries(editions.filter((e) => e.year === year).map((e) => [e.lang, e]));
let editions2019: Record<string, EditionManifest>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'briefing-editions-'));
  data = await copyBriefing('sosiale-medium', join(work, 'data'));
  out = join(work, 'out');
  // The latest year first, then an older one: the older period is the edition made last.
  for (const extra of [[], ['--year', '2013']]) {
    const result = await run(...extra);
    expect(result.code, result.stdout).toBe(0);
  }
  editions2019 = byLang(await listEditions(out), 2019);
}, 60_000);
afterAll(() => rm(work, { recursive: true, force: true }));

describe('newest first', () => {
  test('`send` with no id mails the newest edition of each language: the newest period, though the older was made later', async () => {
    const env = { SMTP_HOST: '127.0.0.1', SMTP_PORT: '2525', MAIL_FROM: 'briefing@example.no', MAIL_TO: 'ola@example.no' };
    const result = await runCli(['send', '--dry-run', ...langs, '--data', data, '--out', out], { env });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout.match(/^✓ email 1 \.eml written \(dry run\) \d+ ms$/gm)).toHaveLength(2);
    const all = await listEditions(out);
    expect(all.map((e) => e.year)).toEqual([2019, 2019, 2013, 2013]);
    for (const e of all) {
      const eml = join(out, 'editions', e.id, 'outbox', 'ola@example.no.eml');
      expect(existsSync(eml), e.id).toBe(e.year === 2019);
      if (e.year !== 2019) continue;
      const mail = await simpleParser(await readFile(eml));
      expect(mail.subject).toContain(e.headline);
      expect(mail.attachments.map((a) => a.filename)).toEqual([`ssb-briefing-2019-${e.lang}.pdf`]);
      expect(Buffer.compare(mail.attachments[0]!.content, await readFile(join(out, 'editions', e.id, 'briefing.pdf')))).toBe(0);
    }
  });

  test('index.html lists the editions newest first, and fits a 390 px wide phone without scrolling sideways', async () => {
    const index = await readFile(join(out, 'index.html'), 'utf8');
    const listed = [...index.matchAll(/href="editions\/([^/]+)\/briefing\.html"/g)].map((m) => m[1]);
    expect(listed).toEqual((await listEditions(out)).map((e) => e.id));
    expect(listed.map((id) => id!.slice(0, 4))).toEqual(['2019', '2019', '2013', '2013']);

    const browser = await launchBrowser({ executablePath: '/usr/bin/chromium' });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
      for (const file of ['index.html', 'briefing-nn.html']) {
        await page.goto(pathToFileURL(join(out, file)).href, { waitUntil: 'load' });
        const widths = await page.evaluate(() => {
          // For the message only: what sticks out, if anything does.
          const wider = Array.from(document.querySelectorAll('body *'))
            .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
          return { scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth, wider: wider.slice(0, 5) };
        });
        expect(widths.client, file).toBe(390);
        expect(widths.scroll, `${file}: ${widths.wider.join(', ')}`).toBeLessThanOrEqual(390);
      }
      await page.close();
    } finally {
      await browser.close();
    }
  });
});

describe('--force and a damaged archive', () => {
  test('--force on unchanged figures rebuilds the edition in place: same id, every file replaced, rebuiltAt recorded', async () => {
    const before = await listEditions(out);
    const nn = editions2019.nn!;
    const dir = join(out, 'editions', nn.id);
    // What an older build left: its files, distinguishable from what this build makes.
    await writeFile(join(dir, 'briefing.html'), (await readFile(join(dir, 'briefing.html'), 'utf8')).replace('</body>', '<!-- older build --></body>'));
    const inodes = Object.fromEntries(
      await Promise.all(['briefing.html', 'briefing.pdf', 'claims.json', 'manifest.json'].map(async (f) => [f, (await stat(join(dir, f))).ino])),
    );

    const result = await run('--force');
    expect(result.code, result.stdout).toBe(0);
    const ids = `${editions2019.nn!.id}, ${editions2019.en!.id}`;
    expect(result.stdout).toMatch(
      new RegExp(`^✓ archive 0 new edition\\(s\\), 2 rebuilt for the same figures \\(${ids}\\) in ${join(out, 'editions')} \\d+ ms$`, 'm'),
    );
    expect(result.stdout).toMatch(/^Briefing for 2019 \(nn \d+ pages, en \d+ pages; rebuilt for the same figures\)/m);

    const after = await listEditions(out);
    expect(after.map((e) => e.id).sort()).toEqual(before.map((e) => e.id).sort());
    const rebuilt = after.find((e) => e.id === nn.id)!;
    expect(rebuilt.generatedAt).toBe(nn.generatedAt);
    expect(Date.parse(rebuilt.rebuiltAt!)).toBeGreaterThan(Date.parse(nn.generatedAt));
    for (const [file, ino] of Object.entries(inodes)) expect((await stat(join(dir, file))).ino, file).not.toBe(ino);
    expect(await readFile(join(dir, 'briefing.html'), 'utf8')).not.toContain('older build');
    expect(await readFile(join(dir, 'briefing.pdf'))).toEqual(await readFile(join(out, 'briefing-nn.pdf')));
    // The 2013 editions were not this run's: untouched.
    for (const e of before.filter((x) => x.year === 2013)) expect(after.find((x) => x.id === e.id)).toEqual(e);
  });

  test('the next normal run finds the rebuilt editions and puts nothing older back over them', async () => {
    const before = await snapshot(out);
    const result = await run();
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^✓ archive unchanged: /m);
    expect(await snapshot(out)).toEqual(before); // not a byte, not an mtime
    expect(await readFile(join(out, 'briefing-nn.html'), 'utf8')).not.toContain('older build');
  });

  test('a file missing from the archive: a normal run says to use --force, which repairs it', async () => {
    const nn = editions2019.nn!;
    const en = editions2019.en!;
    const missing = (id: string, file: string) =>
      `✗ ${join(out, 'editions', id, file)} is missing from the archive. Run again with --force to rebuild edition ${id}.`;
    await rm(join(out, 'editions', en.id, 'claims.json'));
    const claimsGone = await snapshot(out);
    const noClaims = await run();
    expect(noClaims.code, noClaims.stdout).toBe(7);
    expect(errorLines(noClaims)).toEqual([missing(en.id, 'claims.json')]);
    expect(await snapshot(out)).toEqual(claimsGone);

    await rm(join(out, 'editions', nn.id, 'briefing.pdf'));
    const briefing = await snapshot(out);
    const normal = await run();
    expect(normal.code, normal.stdout).toBe(7);
    expect(errorLines(normal)).toEqual([missing(nn.id, 'briefing.pdf')]);
    expect(await snapshot(out)).toEqual(briefing);

    const forced = await run('--force');
    expect(forced.code, forced.stdout).toBe(0);
    expect(isCompletePdf(await readFile(join(out, 'editions', nn.id, 'briefing.pdf')))).toBe(true);
    expect(JSON.parse(await readFile(join(out, 'editions', en.id, 'claims.json'), 'utf8'))).toMatchObject({ edition: en.id, lang: 'en', year: 2019 });
    expect(await briefingProblems(out)).toEqual([]);
    expect((await readdir(join(out, 'editions'))).sort()).toEqual((await listEditions(out)).map((e) => e.id).sort());
  });
});
