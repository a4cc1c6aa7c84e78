import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';
import { copyCommittedData } from '../support/dataset.js';
import { startReplayServer, v2Prefix, type ReplayServer } from '../support/replay-server.js';
import { serveTable, tableTexts } from '../support/statbank-fixtures.js';
import { snapshot } from '../support/snapshot.js';
import { readPdf, squash } from '../support/pdf.js';

/**
 * `briefing run` end to end against the replay server on 127.0.0.1: fetch, update data/, render and archive an
 * edition that credits the table; a second run with the same `updated` downloads no data and makes no edition.
 */
describe('briefing run against the StatBank replay server', () => {
  let server: ReplayServer;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const posts = () => server.requests.filter((r) => r.method === 'POST').length;

  beforeAll(async () => {
    server = await startReplayServer();
    serveTable(server, '10977', tableTexts('10977'));
    work = await mkdtemp(join(tmpdir(), 'briefing-run-fetch-'));
    await copyCommittedData(join(work, 'data'));
    env = { SSB_API_URL: server.v2Url, SSB_RETRY_BUDGET_MS: '2000', SSB_TIMEOUT_MS: '5000' };
  });
  afterAll(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  test('the first run fetches, records history and builds an edition that credits the table', async () => {
    const result = await runCli(['run', '--data', join(work, 'data'), '--out', join(work, 'out')], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ fetch updated \d+ ms$/m);
    expect(result.stdout).toMatch(/StatBank 10977: \d+ added, \d+ revised, 0 withdrawn/);
    expect(posts()).toBe(1);

    const dataset = JSON.parse(await readFile(join(work, 'data', 'dataset.json'), 'utf8'));
    expect(dataset.tables['10977']).toMatchObject({ id: '10977', series: 'SN2007', updated: '2025-09-10T06:00:00Z' });
    const history = (await readFile(join(work, 'data', 'history.jsonl'), 'utf8')).trim().split('\n');
    expect(history.length).toBeGreaterThan(100);

    const html = await readFile(join(work, 'out', 'briefing-nn.html'), 'utf8');
    expect(html).toContain('tabell 10977');
    const pdf = await readPdf(join(work, 'out', 'briefing-nn.pdf'));
    expect(squash(pdf.text)).toContain('tabell 10977');
    expect(squash(pdf.text)).toMatch(/2025/);
  });

  test('a second run with the same `updated` asks only for table info and makes no new edition', async () => {
    const before = { data: await snapshot(join(work, 'data')), out: await snapshot(join(work, 'out')) };
    const requestsBefore = server.requests.length;
    const result = await runCli(['run', '--data', join(work, 'data'), '--out', join(work, 'out')], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ fetch unchanged \d+ ms$/m);
    expect(result.stdout).toMatch(/^✓ archive unchanged: /m);
    expect(result.stdout).not.toMatch(/^✓ (charts|pdf)/m);
    const asked = server.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path}`);
    expect(asked).toEqual([`GET ${v2Prefix}/tables/10977`, `GET ${v2Prefix}/tables/14933`]);
    expect(await snapshot(join(work, 'data'))).toEqual(before.data);
    expect(await snapshot(join(work, 'out'))).toEqual(before.out);
  });

  test('a StatBank error stops the run with exit code 8, data/ and the briefing untouched', async () => {
    const before = { data: await snapshot(join(work, 'data')), out: await snapshot(join(work, 'out')) };
    server.setFault(`${v2Prefix}/tables/10977/data`, { kind: 'problem', status: 400, title: 'Non-existent value' }, 1);
    const result = await runCli(['run', '--force', '--data', join(work, 'data'), '--out', join(work, 'out')], { env });
    expect(result.code).toBe(8);
    expect(result.stderr).toMatch(/^✗ StatBank request failed with status 400 \(Non-existent value\): POST .*was left unchanged\./m);
    expect(await snapshot(join(work, 'data'))).toEqual(before.data);
    expect(await snapshot(join(work, 'out'))).toEqual(before.out);
  });

  test('SSB unreachable: the run says so and builds from the committed dataset', async () => {
    const closed = await startReplayServer();
    const url = closed.v2Url;
    await closed.close();
    const out = join(work, 'offline-out');
    const data = await copyCommittedData(join(work, 'offline-data'));
    const result = await runCli(['run', '--year', '2013', '--data', data, '--out', out], { env: { SSB_API_URL: url } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ fetch offline \d+ ms$/m);
    expect(result.stdout).toContain("SSB's StatBank can't be reached (ECONNREFUSED");
    expect(result.stdout).toMatch(/^✓ pdf 1 printed/m);
  });
});

describe('briefing jsonstat and inspect', () => {
  test.each([
    'test/fixtures/ssb/v2/03024_data_POST_no_jsonstat2.json',
    'test/fixtures/ssb/v0/05300_v0_data_jsonstat2.json',
    'test/fixtures/ssb/v0/13265_v0_data_jsonstat2.json',
    'test/fixtures/ssb/v2/13615_data_v2beta_jsonstat2.json',
  ])('jsonstat %s prints one CSV row per cell', async (file) => {
    const doc = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
    const cells = (doc.size as number[]).reduce((a, b) => a * b, 1);
    const result = await runCli(['jsonstat', file]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split(/\r\n/);
    expect(lines[0]).toBe([...doc.id, 'value', 'status'].join(','));
    expect(lines).toHaveLength(cells + 1);
  });

  test('jsonstat --format json prints objects with the codes', async () => {
    const result = await runCli(['jsonstat', 'test/fixtures/ssb/v0/13265_v0_data_jsonstat2.json', '--format', 'json']);
    const rows = JSON.parse(result.stdout);
    expect(rows[0]).toHaveProperty('SyssGrpIKT');
    expect(rows[0]).toHaveProperty('value');
  });

  test('jsonstat <url> reads the document from a server (the replay server\'s metadata of 10977)', async () => {
    const server = await startReplayServer();
    try {
      serveTable(server, '10977', tableTexts('10977'));
      const result = await runCli(['jsonstat', `${server.v2Url}/tables/10977/metadata`]);
      expect(result.code, result.stderr).toBe(0);
      expect(server.requests.map((r) => r.path)).toEqual(['/api/pxwebapi/v2/tables/10977/metadata']);
      const missing = await runCli(['jsonstat', `${server.v2Url}/tables/99999/metadata`]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/status 404: GET http:\/\/127\.0\.0\.1/);
    } finally {
      await server.close();
    }
  });

  test('inspect lists dimensions, codes and labels of a table from the replay server', async () => {
    const server = await startReplayServer();
    try {
      serveTable(server, '10977', tableTexts('10977'));
      const result = await runCli(['inspect', '10977'], { env: { SSB_API_URL: server.v2Url } });
      expect(result.code).toBe(0);
      for (const text of ['SyssGrpIKT', 'NACE2007', 'ContentsCode', 'SosNettverk', 'Tid']) expect(result.stdout).toContain(text);
    } finally {
      await server.close();
    }
  });
});
