import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorLines, hasStack, runCli, type CliResult } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { isCompletePdf } from '../support/run-state.js';
import { snapshot } from '../support/snapshot.js';

/**
 * Bad input fails with one clear line naming what is wrong (the file, the row, the field; the setting), its exit code
 * (3 for the briefing's folder, 2 for a setting), nothing rendered, and nothing lost: the last good briefing in the
 * output folder (a real one, built once) and the data folder are byte for byte, mtime for mtime, as they were.
 */

let work: string;
let golden: { data: string; out: string };
let cases = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'briefing-bad-input-'));
  golden = { data: await copyBriefing('sosiale-medium', join(work, 'golden', 'data')), out: join(work, 'golden', 'out') };
  const first = await runCli(['run', '--offline', '--data', golden.data, '--out', golden.out]);
  expect(first.code, first.stdout).toBe(0);
}, 60_000);
afterAll(() => rm(work, { recursive: true, force: true }));

/** A copy of the good data and of the last good briefing, the data broken by `breakIt`. */
async function setUp(breakIt?: (data: string) => Promise<void>) {
  const dir = join(work, `case-${++cases}`);
  const data = join(dir, 'data');
  const out = join(dir, 'out');
  await cp(golden.data, data, { recursive: true });
  await cp(golden.out, out, { recursive: true });
  await breakIt?.(data);
  const before = { data: await snapshot(data), out: await snapshot(out) };
  return {
    data,
    out,
    before,
    run: (...extra: string[]) => runCli(['run', '--offline', '--data', data, '--out', out, ...extra]),
    async expectNothingChanged(result: CliResult) {
      expect(result.stdout).not.toMatch(/^✓ (content|charts|html|pdf|archive)\b/m); // nothing rendered
      expect(hasStack(result)).toBe(false);
      expect(await snapshot(data)).toEqual(before.data);
      expect(await snapshot(out)).toEqual(before.out);
      expect(isCompletePdf(await readFile(join(out, 'briefing-nn.pdf')))).toBe(true); // the last briefing, whole, in place
    },
  };
}

/** Replace one row of dataset.json (found by its first fields) with `change(row)`; returns its 1-based row number. */
async function editRow(data: string, starts: string, change: (row: unknown[]) => unknown[]): Promise<number> {
  const file = join(data, 'dataset.json');
  const text = await readFile(file, 'utf8');
  const dataset = JSON.parse(text) as { observations: unknown[][] };
  const index = dataset.observations.findIndex((row) => JSON.stringify(row).startsWith(starts));
  expect(index, `no row starts ${starts}`).toBeGreaterThanOrEqual(0);
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.trimStart().startsWith(starts));
  lines[at] = lines[at]!.replace(/\[.*\]/, JSON.stringify(change(dataset.observations[index]!)));
  await writeFile(file, lines.join('\n'));
  return index + 1;
}

const datasetLine = (data: string, row: number, field: string, what: string) =>
  new RegExp(`^✗ ${join(data, 'dataset.json')}: row ${row}, field "${field}": ${what}\\. Fix the file or restore it with .*; nothing was rendered\\.$`);

describe('a bad dataset or definition: exit 3 naming the row or field', () => {
  const headline = '[null,0,"2013","any_social_media","00","Total+K"';

  test('a share of 760 per cent', async () => {
    let row = 0;
    const c = await setUp(async (data) => {
      row = await editRow(data, headline, (r) => r.map((x, i) => (i === 8 ? 760 : x)));
    });
    const result = await c.run('--year', '2013');
    expect(result.code, result.stdout).toBe(3);
    expect(errorLines(result)).toEqual([expect.stringMatching(datasetLine(c.data, row, 'value', 'a share from 0 to 100 \\(the row has 760\\)'))]);
    await c.expectNothingChanged(result);
  });

  test('a misspelt measure', async () => {
    let row = 0;
    const c = await setUp(async (data) => {
      row = await editRow(data, '[null,0,"2013","formal_policy"', (r) => r.map((x, i) => (i === 3 ? 'formal_polcy' : x)));
    });
    const result = await c.run();
    expect(result.code, result.stdout).toBe(3);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(datasetLine(c.data, row, 'measure', '"formal_polcy" is not a measure of the definition \\(.*formal_policy\\)')),
    ]);
    await c.expectNothingChanged(result);
  });

  test('a published date that is no date (30 February)', async () => {
    let row = 0;
    const c = await setUp(async (data) => {
      row = await editRow(data, '[null,0,"2013","formal_policy"', (r) => r.map((x, i) => (i === 11 ? '2013-02-30' : x)));
    });
    const result = await c.run();
    expect(result.code, result.stdout).toBe(3);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(datasetLine(c.data, row, 'published', 'a real date as YYYY-MM-DD \\(the row has "2013-02-30"\\)')),
    ]);
    await c.expectNothingChanged(result);
  });

  test('a missing figure without its SSB symbol', async () => {
    let row = 0;
    const c = await setUp(async (data) => {
      row = await editRow(data, headline, (r) => r.map((x, i) => (i === 8 ? null : x)));
    });
    const result = await c.run();
    expect(result.code, result.stdout).toBe(3);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(
        datasetLine(c.data, row, 'status', 'a missing figure \\(value null\\) needs SSB\'s symbol for why \\("\\.", "\\.\\.", ":" or "-"\\)'),
      ),
    ]);
    await c.expectNothingChanged(result);
  });

  test('a dataset that is not JSON says so and how to restore it', async () => {
    const c = await setUp((data) => writeFile(join(data, 'dataset.json'), '{"format": "ssb-briefing/dataset@3", '));
    const result = await c.run();
    expect(result.code, result.stdout).toBe(3);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(
        /^✗ \S+dataset\.json: not valid JSON \(.*\)\. Fix the file or restore it with `git checkout -- \S+dataset\.json`; nothing was rendered\.$/,
      ),
    ]);
    await c.expectNothingChanged(result);
  });

  test('a definition that is not JSON (a comma missing)', async () => {
    const c = await setUp(async (data) => {
      const file = join(data, 'briefing.json');
      await writeFile(file, (await readFile(file, 'utf8')).replace('"format": "ssb-briefing/definition@1",', '"format": "ssb-briefing/definition@1"'));
    });
    const result = await c.run();
    expect(result.code, result.stdout).toBe(3);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(/^✗ \S+briefing\.json: not valid JSON \(.*\(line 10 column 3\)\)\. Fix it .*nothing was fetched or rendered\.$/),
    ]);
    await c.expectNothingChanged(result);
  });

  test("a definition with a value it does not know (a measure's base)", async () => {
    const c = await setUp(async (data) => {
      const file = join(data, 'briefing.json');
      const definition = JSON.parse(await readFile(file, 'utf8'));
      definition.measures[0].base = 'everyone';
      await writeFile(file, JSON.stringify(definition, null, 2));
    });
    const result = await c.run();
    expect(result.code, result.stdout).toBe(3);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(/^✗ \S+briefing\.json: field "measures\[0\]\.base": "all" \(every enterprise\) or "users" .*nothing was fetched or rendered\.$/),
    ]);
    await c.expectNothingChanged(result);
  });
});

describe('a bad setting: exit 2 naming it, before anything is read or written', () => {
  const cases: { name: string; args?: string[]; env?: Record<string, string>; line: RegExp }[] = [
    {
      name: 'an unknown --lang',
      args: ['--lang', 'nn,se'],
      line: /^✗ --lang: "se" is not a language of the briefing\. Use one of nn, nb, en \(or several, comma-separated\)\.$/,
    },
    { name: 'a --year that is not a year', args: ['--year', '20x'], line: /^✗ --year: "20x" is not a year\. Give four digits, e\.g\. --year 2013\.$/ },
    {
      name: 'a --briefing with no folder',
      args: ['--briefing', 'sosiale-medier'],
      line: /^✗ --briefing: there is no briefing "sosiale-medier" in \S+\/data \(there are kunstig-intelligens, sosiale-medium\)\. Give one of them, or the briefing's folder with --data\.$/,
    },
    {
      name: 'an SSB_API_URL that is not http(s)',
      env: { SSB_API_URL: 'ftp://data.ssb.no/' },
      line: /^✗ SSB_API_URL: "ftp:\/\/data\.ssb\.no\/" is not an http\(s\) URL\./,
    },
    {
      name: 'a retry budget that is not a number',
      env: { SSB_RETRY_BUDGET_MS: 'soon' },
      line: /^✗ SSB_RETRY_BUDGET_MS: "soon" is not a whole number of milliseconds from 0 to 600000\. For example SSB_RETRY_BUDGET_MS=30000, or unset it for that default\.$/,
    },
    {
      name: 'a print timeout out of range',
      env: { BRIEFING_PRINT_TIMEOUT_MS: '5' },
      line: /^✗ BRIEFING_PRINT_TIMEOUT_MS: "5" is not a whole number of milliseconds from 1000 to 600000\. /,
    },
    { name: '--email without the mail settings', args: ['--email'], line: /^✗ SMTP_HOST is not set: give the mail server/ },
    {
      name: 'a MAIL_TO that is not an address',
      args: ['--email'],
      env: { SMTP_HOST: '127.0.0.1', MAIL_FROM: 'b@example.no', MAIL_TO: 'ola@example.no, kari' },
      line: /^✗ MAIL_TO holds "kari", which is not an e-mail address/,
    },
    { name: 'an unknown option', args: ['--yaer', '2013'], line: /^✗ Unknown option '--yaer'.*Run `briefing --help` for the options\.$/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const s = await setUp();
      const args = ['run', '--offline', ...(c.args?.[0] === '--briefing' ? [] : ['--data', s.data]), '--out', s.out, ...(c.args ?? [])];
      const result = await runCli(args, { env: c.env ?? {} });
      expect(result.code, result.stdout).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(c.line)]); // that line and nothing else
      await s.expectNothingChanged(result);
    });
  }

  test('an unknown command points to --help', async () => {
    const result = await runCli(['publish']);
    expect(result.code).toBe(2);
    expect(errorLines(result)).toEqual(['✗ Unknown command "publish". Run `briefing --help` for the commands.']);
  });

  test('a bad setting makes no output folder', async () => {
    const out = join(work, 'never');
    const result = await runCli(['run', '--offline', '--data', golden.data, '--out', out, '--lang', 'se']);
    expect(result.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe("the briefing can't be made from good input", () => {
  test('a --year with no figures lists the years there are: exit 4', async () => {
    const c = await setUp();
    const result = await c.run('--year', '2011');
    expect(result.code, result.stdout).toBe(4);
    expect(errorLines(result)).toEqual([
      '✗ The dataset has no headline figure for 2011 (any_social_media or social_networks, all enterprises). Years with it: 2013, 2014, 2015, 2016, 2017, 2019. Choose one with --year.',
    ]);
    await c.expectNothingChanged(result);
  });

  test("a Chromium that can't start: exit 6, the previous briefing left in place", async () => {
    const c = await setUp();
    const missing = join(work, 'no-such-chromium');
    const result = await runCli(['run', '--offline', '--year', '2013', '--data', c.data, '--out', c.out], { env: { PUPPETEER_EXECUTABLE_PATH: missing } });
    expect(result.code, result.stdout).toBe(6);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(
        new RegExp(`^✗ Chromium could not start \\(.*${missing}.*\\)\\. .*PUPPETEER_EXECUTABLE_PATH.*The previous briefing is left in place\\.$`),
      ),
    ]);
    expect(hasStack(result)).toBe(false);
    expect(await snapshot(c.out)).toEqual(c.before.out);
    expect(await snapshot(c.data)).toEqual(c.before.data);
  });
});

describe('help', () => {
  test('briefing --help lists the commands and options', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const word of ['run', 'fetch', 'send', 'jsonstat', '--briefing', '--year', '--lang', '--out', '--data', '--offline', '--force', '--debug'])
      expect(result.stdout).toContain(word);
  });
});
