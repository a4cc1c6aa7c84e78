import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../pipeline/io/paths.js';
import { cliEnv, cliPath, errorLines, errorsOnStderrOnly, hasStack, runCli } from '../support/cli.js';
import { startReplayServer, v2Prefix, type ReplayServer } from '../support/replay-server.js';
import { startStandin, type Standin } from '../support/standin.js';

/**
 * The data commands as a user runs them: `jsonstat` (a file or a URL, CSV or JSON, into a pipe), `inspect` and
 * `tables` against StatBank stand-ins on 127.0.0.1.
 */

const fixture = (name: string) => join(projectRoot, 'test/fixtures/ssb', name);
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'briefing-data-commands-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('briefing jsonstat', () => {
  test.each([
    'v2/03024_data_POST_no_jsonstat2.json',
    'v0/05300_v0_data_jsonstat2.json',
    'v0/13265_v0_data_jsonstat2.json',
    'v2/13615_data_v2beta_jsonstat2.json',
  ])('%s: one CSV row per cell, with the dimension codes, value and status', async (name) => {
    const doc = JSON.parse((await readFile(fixture(name), 'utf8')).replace(/^\uFEFF/, ''));
    const cells = (doc.size as number[]).reduce((a, b) => a * b, 1);
    const result = await runCli(['jsonstat', fixture(name)]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\r\n');
    expect(lines.pop()).toBe(''); // every row ends with CRLF
    expect(lines[0]).toBe([...doc.id, 'value', 'status'].join(','));
    expect(lines).toHaveLength(cells + 1);
  });

  test('--format json prints one object per cell with the codes', async () => {
    const result = await runCli(['jsonstat', fixture('v0/13265_v0_data_jsonstat2.json'), '--format', 'json']);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(rows[0]).toEqual({ SyssGrpIKT: '00', NACE2007: 'Total+K', ContentsCode: 'TekstAnalyse', Tid: '2021', value: null, status: '.' });
    expect(
      rows.filter((r) => r.NACE2007 === '58-63' && r.Tid === '2025' && r.SyssGrpIKT === '00' && r.ContentsCode === 'BrukarKunstigIntelli').map((r) => r.value),
    ).toEqual([80]);
  });

  test('a file that is not there or not JSON-stat: one line on standard error, no stack', async () => {
    const missing = await runCli(['jsonstat', join(work, 'nothing.json')]);
    expect(missing.code).toBe(2);
    expect(errorLines(missing)).toEqual([`✗ jsonstat: cannot read ${join(work, 'nothing.json')} (ENOENT).`]);
    // `briefing jsonstat … > out.csv`: the error reaches the terminal, not the file
    expect(missing.stdout).toBe('');
    expect(errorsOnStderrOnly(missing)).toBe(true);
    await writeFile(join(work, 'not-jsonstat.json'), '{"version": "2.0", "class": "dataset"}');
    const broken = await runCli(['jsonstat', join(work, 'not-jsonstat.json')]);
    expect(broken.code).toBe(8);
    expect(errorLines(broken)).toHaveLength(1);
    expect(hasStack(broken)).toBe(false);
  });

  describe('into a pipe (a document of 80,000 cells, its CSV well over 64 KiB)', () => {
    let big: string;
    let expected: number;

    beforeAll(async () => {
      // size 40 × 50 × 40; values and a status now and then, as StatBank sends them.
      const codes = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
      const dims = { Region: codes('R', 40), ContentsCode: codes('Maal', 50), Tid: codes('2', 40).map((_, i) => String(1990 + i)) };
      const dimension = Object.fromEntries(
        Object.entries(dims).map(([id, list]) => [
          id,
          {
            label: id,
            category: { index: Object.fromEntries(list.map((c, i) => [c, i])), label: Object.fromEntries(list.map((c) => [c, `${id} ${c}`])) },
          },
        ]),
      );
      const total = 40 * 50 * 40;
      const value = Array.from({ length: total }, (_, i) => (i % 97 === 0 ? null : ((i * 7919) % 1000) / 10));
      const status = Object.fromEntries(
        Array.from({ length: total }, (_, i) => i)
          .filter((i) => i % 97 === 0)
          .map((i) => [String(i), '..']),
      );
      big = join(work, 'big.json');
      await writeFile(
        big,
        JSON.stringify({ version: '2.0', class: 'dataset', label: 'big', id: Object.keys(dims), size: [40, 50, 40], dimension, value, status }),
      );
      // The whole output, written to a file by the shell.
      const whole = await shell(`node '${cliPath}' jsonstat '${big}' > '${join(work, 'whole.csv')}'`);
      expect(whole.status, whole.stderr).toEqual(['0']);
      expected = (await stat(join(work, 'whole.csv'))).size;
      expect(expected).toBeGreaterThan(1024 * 1024);
    });

    test('`| wc -c` gets every byte, exit 0', async () => {
      const result = await shell(`node '${cliPath}' jsonstat '${big}' | wc -c`);
      expect(result.status).toEqual(['0', '0']);
      expect(result.stderr).toBe('');
      expect(Number(result.stdout.trim())).toBe(expected);
      const lines = (await readFile(join(work, 'whole.csv'), 'utf8')).split('\r\n');
      expect(lines).toHaveLength(80_000 + 2); // header, one row per cell, and the empty string after the last CRLF
    });

    test('`| head -c 100` closes the pipe early: exit 0, no error, no stack', async () => {
      const result = await shell(`node '${cliPath}' jsonstat '${big}' | head -c 100`);
      expect(result.status).toEqual(['0', '0']);
      expect(result.stderr).toBe('');
      expect(Buffer.byteLength(result.stdout)).toBe(100);
      expect(result.stdout.startsWith('Region,ContentsCode,Tid,value,status\r\n')).toBe(true);
    });
  });
});

/** Run a bash pipeline; `status` is every command's exit status (PIPESTATUS). */
function shell(pipeline: string): Promise<{ stdout: string; stderr: string; status: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${pipeline}; echo "PIPESTATUS=\${PIPESTATUS[*]}" >&2`], {
      cwd: work,
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', () => {
      const status = /PIPESTATUS=(.*)\n$/.exec(stderr)?.[1]?.split(' ') ?? [];
      resolve({ stdout, stderr: stderr.replace(/PIPESTATUS=.*\n$/, ''), status });
    });
  });
}

describe('briefing jsonstat <url>, inspect and tables against StatBank stand-ins', () => {
  let replay: ReplayServer;
  let standin: Standin;
  beforeAll(async () => {
    replay = await startReplayServer();
    standin = await startStandin({ asOf: 2026 });
  });
  afterAll(async () => {
    await replay?.close();
    await standin?.close();
  });

  test('jsonstat <url> reads the document from a server; a 404 is one line and exit 8', async () => {
    const result = await runCli(['jsonstat', `${replay.v2Url}/tables/11118/metadata`]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout.split('\r\n')[0]).toMatch(/,value,status$/);
    expect(replay.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${v2Prefix}/tables/11118/metadata`]);
    const missing = await runCli(['jsonstat', `${replay.v2Url}/tables/99999/metadata`]);
    expect(missing.code).toBe(8);
    expect(errorLines(missing)).toEqual([`✗ Request failed with status 404: GET ${replay.v2Url}/tables/99999/metadata.`]);
  });

  test("inspect lists the dimensions, codes and SSB's labels of a table", async () => {
    const result = await runCli(['inspect', '14933'], { env: { SSB_API_URL: standin.v2Url } });
    expect(result.code, result.stdout).toBe(0);
    for (const text of ['NACE2025', 'SyssGrpIKT', 'ContentsCode', 'Tid', '58-60', 'Forlagsverksemd, kringkasting og produksjon av innhald', 'Heimeside']) {
      expect(result.stdout).toContain(text);
    }
  });

  test('inspect --suggest prints a definition snippet for the table', async () => {
    const result = await runCli(['inspect', '14933', '--suggest'], { env: { SSB_API_URL: standin.v2Url } });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('"14933"');
    expect(result.stdout).toMatch(/"match":/);
  });

  test('inspect without a table id says how to give one: exit 2', async () => {
    const result = await runCli(['inspect', '123']);
    expect(result.code).toBe(2);
    expect(errorLines(result)).toEqual(['✗ inspect: give a StatBank table id of five digits, e.g. `briefing inspect 10977` (got "123").']);
  });

  test("tables lists the statistic's tables, the discontinued ones with their successor", async () => {
    const result = await runCli(['tables', 'sosiale', 'medium'], { env: { SSB_API_URL: standin.v2Url } });
    expect(result.code, result.stdout).toBe(0);
    // Marked * : read by the briefing (the default one, sosiale-medium, reads all three).
    expect(result.stdout).toMatch(/^\* 10977 +updated 2025-09-24 08:00 +last 2025 +discontinued, successor 14933 +Bruk av sosiale medium, etter type/m);
    expect(result.stdout).toMatch(/^\* 10978 +updated 2023-09-26 08:00 +last 2023 +discontinued +Formål med bruk av sosiale medium/m);
    expect(result.stdout).toMatch(/^\* 14933 +updated 2026-09-25 08:00 +last 2026 +current +Bruk av sosiale medium og heimeside/m);
  });
});
