import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadFolder } from '../support/briefing-text.js';
import { errorLines, errorsOnStderrOnly, hasStack, runCli } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { dataState } from '../support/run-state.js';
import { snapshot } from '../support/snapshot.js';
import { startStandin, type Standin } from '../support/standin.js';

/**
 * `briefing run` and `briefing fetch` when a StatBank table changed under the briefing since the last fetch: a code
 * the stored rows have is gone (renamed), or a measure code the definition recorded is gone. Figures under a gone
 * code would no longer match the stored ones, so the run stops with exit 8 before writing anything, naming the code:
 * data/ and the output folder byte for byte (and mtime for mtime) as they were. Following the message (check the
 * table with `inspect`, drop the table's rows) lets the next run take the table as it is now.
 * (The same stop is tested on the library in test/fetch.test.ts; here it is the CLI a user runs.)
 */

let standin: Standin;
let work: string;
let data: string;
let out: string;
let env: Record<string, string>;
const run = (command: 'run' | 'fetch' = 'run') => runCli(command === 'run' ? ['run', '--data', data, '--out', out] : ['fetch', '--data', data], { env });

beforeAll(async () => {
  standin = await startStandin({ asOf: 2026 });
  work = await mkdtemp(join(tmpdir(), 'briefing-dimension-change-'));
  data = await copyBriefing('sosiale-medium', join(work, 'data'));
  out = join(work, 'out');
  env = { SSB_API_URL: standin.v2Url, SSB_RETRY_BUDGET_MS: '300', SSB_TIMEOUT_MS: '5000' };
  const first = await run(); // the last good run: the dataset and briefing a stopped run must leave in place
  expect(first.code, first.stdout).toBe(0);
}, 60_000);
afterAll(async () => {
  await standin?.close();
  await rm(work, { recursive: true, force: true });
});

describe('a table changed since the last fetch', () => {
  test('an industry code renamed (NACE2007 58-63 -> 58-63X): run and fetch stop with exit 8 naming it; nothing written', async () => {
    standin.fault('renamedCode');
    const before = { data: await snapshot(data), out: await snapshot(out) };
    for (const command of ['run', 'fetch'] as const) {
      const result = await run(command);
      expect(result.code, result.stdout).toBe(8);
      expect(errorsOnStderrOnly(result)).toBe(true);
      expect(errorLines(result)).toEqual([
        expect.stringMatching(
          /^✗ Table 10977 at StatBank changed since the last fetch: NACE2007 "58-63" \(Informasjon og kommunikasjon\) is gone; new: "58-63X" \(Informasjon og kommunikasjon\)\. .*stopped before writing anything\. .*`briefing inspect 10977`/,
        ),
      ]);
      expect(hasStack(result)).toBe(false);
      expect(result.stdout).not.toMatch(/^✓ (update|content|charts|pdf|archive)\b/m);
      expect(await snapshot(data)).toEqual(before.data);
      expect(await snapshot(out)).toEqual(before.out);
      expect(await readdir(data)).not.toContain('.lock');
    }
  });

  test('following the message (inspect the table, drop its rows) lets the next run take the table as it is now', async () => {
    const inspect = await runCli(['inspect', '10977'], { env });
    expect(inspect.code, inspect.stdout).toBe(0);
    expect(inspect.stdout).toContain('58-63X');

    const text = await readFile(join(data, 'dataset.json'), 'utf8');
    const dataset = JSON.parse(text);
    delete dataset.tables['10977'];
    dataset.observations = dataset.observations.filter((row: unknown[]) => row[0] !== '10977');
    await writeFile(join(data, 'dataset.json'), `${JSON.stringify(dataset, null, 2)}\n`);

    const result = await run();
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^✓ update 10977: \d+ added, 0 revised, 0 withdrawn\b/m);
    const rows = loadFolder(data).dataset.observations.filter((o) => o.table === '10977');
    expect(rows.some((o) => o.industry === '58-63X')).toBe(true);
    expect(rows.some((o) => o.industry === '58-63')).toBe(false);
    expect(loadFolder(data).dataset.tables['10977']!.updated).toBe('2025-10-15T06:00:00Z');
    expect((await dataState(data)).problems).toEqual([]);
  });

  test('a measure code the definition recorded, gone from the table (ContentsCode Blogg -> Blogg2): exit 8 naming it; nothing written', async () => {
    standin.update('10977', { updated: '2025-11-01T06:00:00Z', renameCode: { dimension: 'ContentsCode', from: 'Blogg', to: 'Blogg2' } });
    const before = { data: await snapshot(data), out: await snapshot(out) };
    const result = await run();
    expect(result.code, result.stdout).toBe(8);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(/^✗ Table 10977 at StatBank changed since the last fetch: .*"Blogg".*stopped before writing anything/),
    ]);
    expect(hasStack(result)).toBe(false);
    expect(await snapshot(data)).toEqual(before.data);
    expect(await snapshot(out)).toEqual(before.out);
  });
});
