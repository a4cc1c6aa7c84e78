import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorLines, errorsOnStderrOnly, hasStack, runCli, type CliResult } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { closedPort } from '../support/smtp-server.js';
import { snapshot } from '../support/snapshot.js';
import { startStandin, type Standin, type StandinFault } from '../support/standin.js';

/**
 * `briefing run` when StatBank can't be used: down (503 to everything, or nothing listening) is offline, so the run
 * builds from the committed data and exits 0, saying so in a line CI searches for; an answer that can't be trusted
 * (too large, a gzip bomb, a redirected POST, a malformed `updated`) stops the run with exit 8 and one clear line,
 * no stack, nothing written. Each run is the compiled CLI against the stand-in on 127.0.0.1.
 */

let work: string;
let cases = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'briefing-run-fetch-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** A fresh copy of the committed social-media folder and an output folder beside it. */
async function folders(): Promise<{ data: string; out: string }> {
  const dir = join(work, `case-${++cases}`);
  return { data: await copyBriefing('sosiale-medium', join(dir, 'data')), out: join(dir, 'out') };
}

const run = (f: { data: string; out: string }, url: string, extra: string[] = [], env: Record<string, string> = {}) =>
  runCli(['run', '--data', f.data, '--out', f.out, ...extra], { env: { SSB_API_URL: url, SSB_RETRY_BUDGET_MS: '300', SSB_TIMEOUT_MS: '5000', ...env } });

const offlineLine = /^ *StatBank unreachable: .*\. Building from the committed data as it is; nothing was written\.$/m;

describe('StatBank down is offline: the run builds from the committed data and exits 0', () => {
  let standin: Standin;
  let f: { data: string; out: string };
  let before: Record<string, string>;
  let first: CliResult;

  beforeAll(async () => {
    standin = await startStandin({ asOf: 2026 });
    standin.fault('unavailable');
    f = await folders();
    before = await snapshot(f.data);
    // A budget that allows one retry (the first backoff waits 0.5-1 s), not a second (1-2 s more).
    first = await run(f, standin.v2Url, [], { SSB_RETRY_BUDGET_MS: '1500' });
  });
  afterAll(() => standin?.close());

  test('503 to every request until the retry budget is spent: "StatBank unreachable:", exit 0, data/ byte-identical', async () => {
    expect(first.stderr).toBe('');
    expect(first.code, first.stdout).toBe(0);
    expect(first.stdout).toMatch(/^✓ fetch offline \d+ ms$/m);
    expect(first.stdout).toMatch(offlineLine);
    expect(first.stdout).toMatch(/StatBank unreachable: it kept failing until the retry budget ran out \(StatBank request failed with status 503/);
    expect(first.stdout).not.toContain('::warning'); // not in GitHub Actions
    expect(first.stdout).toMatch(/^Briefing for 2019 \(nn \d+ pages; new edition\)/m);
    expect(standin.requests.length).toBe(2); // it retried until the next wait would pass the budget
    expect(standin.requests.every((r) => r.status === 503)).toBe(true);
    expect(await snapshot(f.data)).toEqual(before);
  });

  test('in GitHub Actions it also prints a ::warning line', async () => {
    const again = await run(f, standin.v2Url, [], { GITHUB_ACTIONS: 'true' });
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(offlineLine);
    expect(again.stdout).toMatch(
      /^::warning title=StatBank unreachable::StatBank unreachable: it kept failing until the retry budget ran out .*nothing was written\.$/m,
    );
    expect(again.stdout).toMatch(/^✓ archive unchanged: /m); // the same figures: the edition of the first run
    expect(await snapshot(f.data)).toEqual(before);
  });

  test('nothing listening on the port: offline too, naming the connection error', async () => {
    const port = await closedPort();
    const result = await run(f, `http://127.0.0.1:${port}/api/pxwebapi/v2`);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(
      /^ *StatBank unreachable: ECONNREFUSED http:\/\/127\.0\.0\.1:\d+\/api\/pxwebapi\/v2\/tables\/10977\S*\. Building from the committed data/m,
    );
    expect(await snapshot(f.data)).toEqual(before);
  });
});

describe("an answer that can't be trusted stops the run: exit 8, one clear line, no stack, nothing written", () => {
  const post = String.raw`POST http://127\.0\.0\.1:\d+/api/pxwebapi/v2/tables/10977/data\S*`;
  const cases: { name: string; fault: StandinFault; options?: { declareLength?: boolean }; line: RegExp }[] = [
    {
      name: 'an oversize data answer (Content-Length says so)',
      fault: 'oversize',
      line: new RegExp(
        `^✗ StatBank's answer to ${post} is larger than \\d+ bytes, the most a request of at most 800000 cells can need .*: its Content-Length says \\d+ bytes\\. It was not read further, not retried, and nothing was stored\\. Check that SSB_API_URL points at StatBank\\.$`,
      ),
    },
    {
      name: 'an oversize data answer (chunked, no length)',
      fault: 'oversize',
      options: { declareLength: false },
      line: new RegExp(
        `^✗ StatBank's answer to ${post} is larger than \\d+ bytes, .*: more than \\d+ bytes arrived.* It was not read further, not retried, and nothing was stored\\.`,
      ),
    },
    {
      name: 'a gzip bomb (2 MB that inflates to 2 GiB)',
      fault: 'gzipBomb',
      line: new RegExp(
        `^✗ StatBank's answer to ${post} is larger than \\d+ bytes, .*: more than \\d+ bytes arrived after decompressing its gzip encoding\\. It was not read further, not retried, and nothing was stored\\.`,
      ),
    },
    {
      name: 'a redirect on the data POST',
      fault: 'redirectPost',
      line: new RegExp(
        `^✗ StatBank answered ${post} with a redirect \\(status 307 to \\S+\\); a redirected POST would lose the selection, so it was not followed\\. .*Not retried; nothing was stored\\.$`,
      ),
    },
    {
      name: 'a malformed `updated` (30 February)',
      fault: 'malformedUpdated',
      line: /^✗ StatBank sent table 10977 with a malformed table info's updated: "2025-02-30T06:00:00Z" is not an ISO 8601 date-time or date of the calendar .*the answer was refused and nothing was stored/,
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const standin = await startStandin({ asOf: 2026 });
      try {
        standin.fault(c.fault, c.options);
        const f = await folders();
        const before = await snapshot(f.data);
        const result = await run(f, standin.v2Url);
        expect(result.code, result.stdout).toBe(8);
        expect(errorsOnStderrOnly(result)).toBe(true);
        expect(errorLines(result)).toEqual([expect.stringMatching(c.line)]);
        expect(hasStack(result)).toBe(false);
        expect(result.stdout).not.toMatch(/Unexpected error|^✓ (update|content|charts|pdf|archive)\b/m);
        expect(await snapshot(f.data)).toEqual(before);
        expect(await readdir(f.out).catch(() => [])).toEqual([]);
      } finally {
        await standin.close();
      }
    });
  }

  test('with --debug the same failure shows its stack', async () => {
    const standin = await startStandin({ asOf: 2026 });
    try {
      standin.fault('redirectPost');
      const f = await folders();
      const result = await run(f, standin.v2Url, ['--debug']);
      expect(result.code).toBe(8);
      expect(errorLines(result)).toHaveLength(1);
      expect(hasStack(result)).toBe(true);
      expect(result.stderr).toMatch(/^FetchError: StatBank answered POST/m);
    } finally {
      await standin.close();
    }
  });
});
