import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { currentObservations, loadDataset, observationKey } from '../pipeline/store/dataset.js';
import { ConfigError, FetchError } from '../pipeline/errors.js';
import { buildObservations, fetchTables, TableChangedError, type FetchOptions } from '../pipeline/fetch.js';
import { parseJsonStatText } from '../pipeline/statbank/jsonstat.js';
import { withLock } from '../pipeline/io/lock.js';
import { runCli } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { defaultDataDir } from '../pipeline/io/paths.js';
import { createStatbankClient, type StatbankClientOptions } from '../pipeline/statbank/client.js';
import { defaultTablesPath, loadTablesConfig, type TablesConfig } from '../pipeline/store/tables.js';
import { checkHistoryConsistency, readHistory } from '../pipeline/update.js';
import { startReplayServer, v2Prefix, type ReplayServer } from './support/replay-server.js';
import {
  serveTable, tableTexts, withCell, withCodeRenamed, withDimensionRenamed, withUpdated,
} from './support/statbank-fixtures.js';

/**
 * The fetch stage against a real HTTP server on 127.0.0.1 serving the synthetic 10977/14933 answers
 * (test/fixtures/statbank/); 14933 answers 404 Non-existent table unless a test serves it. Every failure must
 * leave the temp data folder byte for byte (and mtime for mtime) as it was.
 */

let server: ReplayServer;
let dataDir: string;
let tables: TablesConfig;
const temps: string[] = [];
const t10977 = tableTexts('10977');

beforeAll(async () => {
  tables = await loadTablesConfig(defaultTablesPath);
});
beforeEach(async () => {
  server = await startReplayServer();
  serveTable(server, '10977', t10977);
  dataDir = await mkdtemp(join(tmpdir(), 'ssb-fetch-'));
  temps.push(dataDir);
  await copyFile(join(defaultDataDir, 'dataset.json'), join(dataDir, 'dataset.json'));
});
afterEach(async () => {
  await server.close();
});
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

const client = (options: StatbankClientOptions = {}) => createStatbankClient({
  baseUrl: server.v2Url, backoffBaseMs: 20, maxTotalWaitMs: 2000, requestTimeoutMs: 2000, effects: { random: () => 1 }, ...options,
});
const fetchNow = (options: Partial<FetchOptions> = {}) =>
  fetchTables({ dataDir, tables, client: client(), now: new Date('2025-09-11T07:00:00Z'), ...options });
/** `METHOD /tables/...` of every request the server received. */
const requests = () => server.requests.map((r) => `${r.method} ${r.path.replace(v2Prefix, '')}`);
const count = (what: string) => requests().filter((r) => r === what).length;

/** sha256 and mtime of every file under `dir`. */

async function failure(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

const key = (measure: string, year: number, sizeClass = '00', industry = 'Total+K') =>
  observationKey({ series: 'SN2007', measure, year, sizeClass, industry });

describe('fetchTables', () => {
  it('first fetch adds figures, supersedes article figures, writes history, raw responses and table state', async () => {
    const outcome = await fetchNow();
    expect(outcome.status).toBe('updated');
    // 972 cells; 30 of the committed article figures' keys are in the table (any_social_media 2019 industry 45 is not).
    expect(outcome.tables[0]).toEqual({ id: '10977', updated: '2025-09-10T06:00:00Z', changed: true, added: 942, revised: 30, withdrawn: 0 });
    expect(outcome.message).toBe('10977: updated 2025-09-10T06:00:00Z: 942 added, 30 revised, 0 withdrawn; ' +
      '14933: skipped (StatBank answers 404 Non-existent table: not published yet, or withdrawn).');
    expect(outcome.tables[1]).toMatchObject({ id: '14933', changed: false, skipped: expect.stringMatching(/404 Non-existent table/) });
    expect(requests()).toEqual(['GET /tables/10977', 'GET /tables/10977/metadata', 'POST /tables/10977/data', 'GET /tables/14933']);
    expect(server.requests[2]!.body).toEqual({ selection: [
      { variableCode: 'SyssGrpIKT', valueCodes: ['*'] }, { variableCode: 'NACE2007', valueCodes: ['*'] },
      { variableCode: 'ContentsCode', valueCodes: Object.keys(tables.tables[0]!.measures) }, { variableCode: 'Tid', valueCodes: ['*'] },
    ] });

    const dataset = await loadDataset(join(dataDir, 'dataset.json'));
    expect(dataset.tables['10977']).toMatchObject({ updated: '2025-09-10T06:00:00Z', series: 'SN2007', fetchedAt: '2025-09-11T07:00:00.000Z' });
    expect(dataset.tables['10977']!.label).toMatch(/^10977: Bruk av sosiale medium/);
    expect(dataset.tables['10977']!.notes).toEqual([expect.stringMatching(/^Frå 2026 .*\nSpørsmåla/s)]);
    const current = new Map(currentObservations(dataset).map((o) => [observationKey(o), o]));
    expect(current.get(key('social_networks', 2013))).toMatchObject({
      value: 44, status: null, table: '10977', revision: 2, published: '2025-09-10', source: 'https://www.ssb.no/statbank/table/10977', unit: 'percent',
    });
    expect(current.get(key('wikis', 2013, '02', '64-66'))).toMatchObject({ value: null, status: '..', revision: 0 });
    expect(current.get(key('purpose_recruitment', 2025, '05', '64-66'))).toMatchObject({ value: null, status: ':' });
    expect(current.get(key('any_social_media', 2019, '00', '45'))).toMatchObject({ value: 92, table: null });

    const history = await readHistory(dataDir);
    expect(history).toHaveLength(973);
    expect(history.at(-1)).toMatchObject({ kind: 'table', table: '10977', updated: '2025-09-10T06:00:00Z', counts: { added: 942, revised: 30, withdrawn: 0 } });
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
    expect((await readdir(join(dataDir, 'raw', '10977'))).sort()).toEqual(['data-1.json', 'metadata.json', 'table-info.json']);
    expect(await readFile(join(dataDir, 'raw', '10977', 'metadata.json'), 'utf8')).toBe(t10977.metadata);
    expect(JSON.parse(await readFile(join(dataDir, 'raw', '10977', 'table-info.json'), 'utf8'))).toEqual(JSON.parse(t10977.info));
    expect(await readdir(dataDir)).not.toContain('.lock');
  });

  it('a second fetch with the same `updated` asks only for table info and writes nothing', async () => {
    await fetchNow();
    const before = await snapshot(dataDir);
    server.requests.length = 0;
    const outcome = await fetchNow({ now: new Date('2025-09-12T07:00:00Z') });
    expect(outcome).toMatchObject({ status: 'unchanged', message: expect.stringMatching(/^10977: unchanged since 2025-09-10T06:00:00Z; 14933: skipped/) });
    expect(outcome.tables[0]).toEqual({ id: '10977', updated: '2025-09-10T06:00:00Z', changed: false, added: 0, revised: 0, withdrawn: 0 });
    expect(requests()).toEqual(['GET /tables/10977', 'GET /tables/14933']);
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it('force asks again but writes nothing when nothing changed; a discontinued table already stored is not asked again', async () => {
    await fetchNow();
    const before = await snapshot(dataDir);
    server.requests.length = 0;
    expect((await fetchNow({ force: true })).status).toBe('unchanged');
    expect(count('POST /tables/10977/data')).toBe(1);
    expect(await snapshot(dataDir)).toEqual(before);

    serveTable(server, '10977', { ...t10977, info: withUpdated(t10977.info, '2025-09-10T06:00:00Z', true) });
    server.requests.length = 0;
    expect((await fetchNow({ force: true })).status).toBe('unchanged');
    expect(requests()).toEqual(['GET /tables/10977', 'GET /tables/14933']);
  });

  it('a new `updated` with one revised value records a revision', async () => {
    await fetchNow();
    const cell = { SyssGrpIKT: '00', NACE2007: 'Total+K', ContentsCode: 'SosNettverk', Tid: '2025' };
    serveTable(server, '10977', { ...t10977, info: withUpdated(t10977.info, '2025-10-01T06:00:00Z'), data: withCell(t10977.data, cell, 93) });
    const outcome = await fetchNow({ now: new Date('2025-10-01T07:00:00Z') });
    expect(outcome.tables[0]).toEqual({ id: '10977', updated: '2025-10-01T06:00:00Z', changed: true, added: 0, revised: 1, withdrawn: 0 });
    const dataset = await loadDataset(join(dataDir, 'dataset.json'));
    const rows = dataset.observations.filter((o) => observationKey(o) === key('social_networks', 2025));
    expect(rows.map((o) => [o.value, o.revision, o.published])).toEqual([[92, 0, '2025-09-10'], [93, 1, '2025-10-01']]);
    expect(dataset.tables['10977']!.updated).toBe('2025-10-01T06:00:00Z');
    const history = await readHistory(dataDir);
    expect(history.slice(-2)).toMatchObject([
      { kind: 'revised', key: key('social_networks', 2025), before: { value: 92 }, after: { value: 93 } },
      { kind: 'table', previousUpdated: '2025-09-10T06:00:00Z', counts: { added: 0, revised: 1, withdrawn: 0 } },
    ]);
  });

  it('fetches 14933 too once it exists, as series SN2025 with its own industry codes', async () => {
    serveTable(server, '14933', tableTexts('14933'));
    const outcome = await fetchNow({ now: new Date('2026-09-10T07:00:00Z') });
    expect(outcome.tables.map((t) => [t.id, t.changed, t.added])).toEqual([['10977', true, 942], ['14933', true, 72]]);
    const dataset = await loadDataset(join(dataDir, 'dataset.json'));
    const sn2025 = dataset.observations.filter((o) => o.table === '14933');
    expect(new Set(sn2025.map((o) => `${o.series} ${o.year}`))).toEqual(new Set(['SN2025 2026']));
    expect(new Set(sn2025.map((o) => o.industry))).toEqual(new Set(['Total', '58-60', '61-63']));
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  });
});

describe('the table no longer matches data/tables.json', () => {
  it('a configured ContentsCode missing from the metadata stops with the real codes and labels, before any write', async () => {
    const before = await snapshot(dataDir);
    serveTable(server, '10977', { ...t10977, metadata: withCodeRenamed(t10977.metadata, 'ContentsCode', 'Wikiar', 'WikiBruk') });
    const error = await failure(fetchNow());
    expect(error).toBeInstanceOf(TableChangedError);
    expect(error.message).toContain(`Table 10977 at StatBank no longer matches ${defaultTablesPath}: ContentsCode "Wikiar" (wikis) is missing.`);
    expect(error.message).toContain('    WikiBruk = "Brukar wikiar for å dele kunnskap"');
    expect(error.message).toContain('    SosNettverk = "Brukar sosiale nettverk (t.d. Facebook, LinkedIn)"');
    expect(error.message).toContain('  SyssGrpIKT (sysselsette): 00, 02, 05');
    expect(error.message).toMatch(new RegExp(`Nothing was written: ${dataDir} was left unchanged\\. Update .*tables\\.json`));
    expect(requests()).toEqual(['GET /tables/10977', 'GET /tables/10977/metadata']);
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it('a renamed dimension (NACE2007 -> NACE2025) stops naming it and the dimension the table has instead', async () => {
    const before = await snapshot(dataDir);
    serveTable(server, '10977', { ...t10977, metadata: withDimensionRenamed(t10977.metadata, 'NACE2007', 'NACE2025') });
    const error = await failure(fetchNow());
    expect(error).toBeInstanceOf(TableChangedError);
    expect(error.message).toContain('dimension "NACE2007" (industry) is missing');
    expect(error.message).toContain('  NACE2025 (næring (SN2007)): Total+K, 58-63, 64-66');
    expect(await snapshot(dataDir)).toEqual(before);
  });
});

describe('offline and faults', () => {
  it('a closed port makes the outcome offline after one attempt, writing nothing', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const calls: string[] = [];
    const closed = createStatbankClient({
      baseUrl: `http://127.0.0.1:${port}/api/pxwebapi/v2`,
      effects: { fetch: (input, init) => (calls.push(String(input)), globalThis.fetch(input, init)) },
    });
    const before = await snapshot(dataDir);
    const outcome = await fetchNow({ client: closed });
    expect(outcome.status).toBe('offline');
    expect(outcome.message).toBe(`SSB's StatBank can't be reached (ECONNREFUSED http://127.0.0.1:${port}/api/pxwebapi/v2/tables/10977?lang=no): ` +
      `using the dataset in ${dataDir} as it is (figures up to 2019, newest source dated 2015-09-11). Nothing was written.`);
    expect(outcome.tables.map((t) => t.skipped)).toEqual(['StatBank offline', 'StatBank offline']);
    expect(calls).toHaveLength(1);
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it('429 with Retry-After: 1, then OK: waits and updates', async () => {
    server.setFault(`${v2Prefix}/tables/10977/data`, { kind: 'tooManyRequests', retryAfter: '1' });
    const outcome = await fetchNow();
    expect(outcome.status).toBe('updated');
    expect(server.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([429, 200]);
  });

  it('a slow answer past the timeout is retried once and then succeeds', async () => {
    server.setFault(`${v2Prefix}/tables/10977/data`, { kind: 'slow', delayMs: 1500 });
    const outcome = await fetchNow({ client: client({ requestTimeoutMs: 500 }) });
    expect(outcome.status).toBe('updated');
    expect(count('POST /tables/10977/data')).toBe(2);
  });

  // Each fails; data/ must be untouched and the right number of requests made.
  const failing: { name: string; fault: Parameters<ReplayServer['setFault']>[1]; path: string; client?: StatbankClientOptions;
    message: RegExp; status?: number; requests: number }[] = [
    { name: '503 until the retry budget is exhausted', fault: { kind: 'unavailable' }, path: '/tables/10977/metadata',
      client: { maxTotalWaitMs: 500, maxRetries: 10 }, status: 503, requests: 5,
      message: /status 503 \(Service Unavailable\).*Gave up: the next wait \(320 ms\) would pass the retry budget of 500 ms/ },
    { name: 'slow answers past the timeout every time', fault: { kind: 'slow', delayMs: 1500 }, path: '/tables/10977/data',
      client: { requestTimeoutMs: 500, maxRetries: 1 }, requests: 2, message: /timed out after 500 ms.*Gave up: 2 attempts/ },
    { name: 'truncated JSON twice', fault: { kind: 'truncated' }, path: '/tables/10977/data', requests: 2,
      message: /not valid JSON .*a second time/ },
    { name: '500 with an empty body', fault: { kind: 'emptyServerError' }, path: '/tables/10977/data', client: { maxRetries: 2 },
      status: 500, requests: 3, message: /status 500: POST .*value code is repeated/ },
    { name: '400 Problem JSON Non-existent value', fault: { kind: 'problem', status: 400, title: 'Non-existent value' },
      path: '/tables/10977/data', status: 400, requests: 1, message: /status 400 \(Non-existent value\).*Not retried/ },
    { name: '403 Too many cells selected', fault: { kind: 'problem', status: 403, title: 'Too many cells selected' },
      path: '/tables/10977/data', status: 403, requests: 1, message: /status 403 \(Too many cells selected\).*more cells than StatBank allows/ },
  ];
  for (const f of failing) {
    it(`${f.name}: FetchError, ${f.requests} request(s), data/ byte-identical`, async () => {
      const before = await snapshot(dataDir);
      server.setFault(`${v2Prefix}${f.path}`, f.fault, Infinity);
      const error = await failure(fetchNow({ client: client(f.client) }));
      expect(error).not.toBeInstanceOf(TableChangedError);
      expect(error.message).toMatch(f.message);
      expect(error.message).toMatch(/Nothing was written: .* was left unchanged\.$/);
      if (f.status) expect(error.context.status).toBe(f.status);
      expect(count(`${f.path.endsWith('/data') ? 'POST' : 'GET'} ${f.path}`)).toBe(f.requests);
      expect(await snapshot(dataDir)).toEqual(before);
    });
  }

  it('a failure in the second table leaves data/ untouched though the first was fetched', async () => {
    serveTable(server, '14933', tableTexts('14933'));
    server.setFault(`${v2Prefix}/tables/14933/data`, { kind: 'problem', status: 400, title: 'Non-existent value' });
    const before = await snapshot(dataDir);
    await failure(fetchNow());
    expect(count('POST /tables/10977/data')).toBe(1);
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it('another run holding the lock stops `briefing fetch` before any request', async () => {
    const error = await withLock(dataDir, 'test', async () => {
      const result = await runCli(['fetch', '--data', dataDir], { env: { SSB_API_URL: server.v2Url, BRIEFING_TABLES: defaultTablesPath } });
      return result;
    });
    expect(error.stderr).toMatch(/^✗ /);
    expect(error.code).toBe(9);
    expect(error.stderr).toMatch(/holds the lock .*Nothing was changed/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('buildObservations and tables.json', () => {
  const table = () => tables.tables[0]!;

  it('keeps status symbols, marks a bare null "..", leaves unmapped measures out and keeps unknown codes', () => {
    const cell = { SyssGrpIKT: '02', NACE2007: 'Total+K', ContentsCode: 'SosNettverk', Tid: '2014' };
    const doc = JSON.parse(withCell(withCell(t10977.data, cell, null), { ...cell, Tid: '2015' }, null, '*'));
    doc.dimension.SyssGrpIKT.category.label['07'] = 'odd';
    doc.dimension.SyssGrpIKT.category.index = { '00': 0, '07': 1, '05': 2 };
    doc.dimension.ContentsCode.category.index = { ...doc.dimension.ContentsCode.category.index, Ukjend: 11 };
    delete doc.dimension.ContentsCode.category.index.FormellPolitikk;
    const ds = parseJsonStatText(JSON.stringify(doc), { table: '10977' });
    const obs = buildObservations(ds, table(), { updated: '2025-09-10T06:00:00Z' });
    expect(obs).toHaveLength(972 - 81);
    expect(obs.some((o) => o.measure === 'formal_policy')).toBe(false);
    const at = (year: number) => obs.find((o) => o.measure === 'social_networks' && o.sizeClass === '07' && o.industry === 'Total+K' && o.year === year);
    expect(at(2014)).toMatchObject({ value: null, status: '..', note: expect.stringMatching(/no status symbol; recorded as "\.\."/) });
    expect(at(2015)).toMatchObject({ value: null, status: '..', note: expect.stringMatching(/status "\*"/) });
    expect(at(2016)).toMatchObject({ value: 52, status: null, published: '2025-09-10', series: 'SN2007', table: '10977' });
    expect(at(2016)).not.toHaveProperty('note');
  });

  it('reads the committed tables.json and names the file and field of a bad value', async () => {
    expect(tables.tables.map((t) => [t.id, t.series, t.dimensions.industry, Object.keys(t.measures).length])).toEqual([
      ['10977', 'SN2007', 'NACE2007', 12], ['14933', 'SN2025', 'NACE2025', 12],
    ]);
    const bad = join(dataDir, 'tables.json');
    const doc = JSON.parse(await readFile(defaultTablesPath, 'utf8'));
    doc.tables[0].measures.Wikiar = 'wikipedia';
    await writeFile(bad, JSON.stringify(doc));
    const error = await loadTablesConfig(bad).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^${bad}: field "tables\\[0\\]\\.measures\\.Wikiar": .*nothing was fetched\\.$`));
  });
});
