import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../pipeline/store/dataset.js';
import { checkHistoryConsistency } from '../../pipeline/update.js';
import { runCli } from '../support/cli.js';
import { withCodeRemoved } from '../support/metadata-edits.js';
import { startReplayServer, v2Prefix, type ReplayServer } from '../support/replay-server.js';
import { snapshot } from '../support/snapshot.js';
import { serveTable, tableTexts, withCodeRenamed, withDimensionRenamed, withUpdated } from '../support/statbank-fixtures.js';
import { fetchedDataDir } from '../support/table-versions.js';

/**
 * `briefing run` when StatBank's table 10977 has changed shape since the last run: a dimension or a code that
 * data/tables.json names is gone, a code of a `*` selection the last fetch had is renamed or dropped, or the
 * data disagrees with the metadata. Each must stop with exit code 8 (FetchError) before anything is written,
 * naming what changed: data/ and output/ byte for byte (and mtime for mtime) as they were.
 */

const t10977 = tableTexts('10977');
const newUpdated = '2025-10-01T06:00:00Z'; // a new release: the fetch asks for metadata and data again
let server: ReplayServer;
let work: string;
let dataDir: string;
let outDir: string;
let env: NodeJS.ProcessEnv;
const run = (...extra: string[]) => runCli(['run', '--data', dataDir, '--out', outDir, ...extra], { env });

beforeAll(async () => {
  server = await startReplayServer();
  work = await mkdtemp(join(tmpdir(), 'briefing-dimension-change-'));
  dataDir = await fetchedDataDir(join(work, 'data'), server); // the last run: 10977 fetched as it is in the fixtures
  outDir = join(work, 'out');
  env = { SSB_API_URL: server.v2Url, SSB_RETRY_BUDGET_MS: '2000', SSB_TIMEOUT_MS: '5000' };
  const first = await run(); // the briefing a failed run must leave in place
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

const cases: { name: string; metadata?: string; data?: string; message: RegExp[] }[] = [
  {
    name: 'the industry dimension renamed (NACE2007 -> NACE2025)',
    metadata: withDimensionRenamed(t10977.metadata, 'NACE2007', 'NACE2025'),
    message: [/^✗ Table 10977 at StatBank no longer matches .*tables\.json: dimension "NACE2007" \(industry\) is missing\./m,
      /^ {2}NACE2025 \(næring \(SN2007\)\): Total\+K, 58-63, 64-66$/m],
  },
  {
    name: 'ContentsCode "SosNettverk" gone',
    metadata: withCodeRemoved(t10977.metadata, 'ContentsCode', 'SosNettverk'),
    message: [/no longer matches .*: ContentsCode "SosNettverk" \(social_networks\) is missing\./, /^ {4}BrukSosMedium = "/m],
  },
  {
    name: 'ContentsCode "Wikiar" renamed "WikiBruk"',
    metadata: withCodeRenamed(t10977.metadata, 'ContentsCode', 'Wikiar', 'WikiBruk'),
    message: [/ContentsCode "Wikiar" \(wikis\) is missing/, /^ {4}WikiBruk = "Brukar wikiar/m],
  },
  {
    name: 'an industry code of the `*` selection renamed since the last run (58-63 -> 58-63X)',
    metadata: withCodeRenamed(t10977.metadata, 'NACE2007', '58-63', '58-63X'),
    message: [/changed since the last fetch \(.*raw\/10977\/metadata\.json\): NACE2007 "58-63" \(Informasjon og kommunikasjon\) is gone; new: "58-63X"/,
      /delete .*raw\/10977\/metadata\.json and fetch again to accept the change/],
  },
  {
    name: 'a size class dropped since the last run (SyssGrpIKT 02)',
    metadata: withCodeRemoved(t10977.metadata, 'SyssGrpIKT', '02'),
    message: [/changed since the last fetch .*: SyssGrpIKT "02" \(10-19 sysselsette\) is gone\./],
  },
  {
    name: 'the data answer disagreeing with the metadata (a dimension renamed in the data only)',
    data: withDimensionRenamed(t10977.data, 'NACE2007', 'Naering'),
    message: [/^✗ The data StatBank sent for table 10977 has no dimension "NACE2007"; it does not match its metadata or data\/tables\.json\./m],
  },
];

describe('briefing run when the StatBank table changed shape', () => {
  for (const c of cases) {
    test(`${c.name}: exit 8, what changed named, data/ and output/ untouched`, async () => {
      serveTable(server, '10977', { info: withUpdated(t10977.info, newUpdated), metadata: c.metadata ?? t10977.metadata, data: c.data ?? t10977.data });
      const before = { data: await snapshot(dataDir), out: await snapshot(outDir) };
      const asked = server.requests.length;
      const result = await run();
      expect(result.code, result.stderr).toBe(8);
      for (const pattern of c.message) expect(result.stderr).toMatch(pattern);
      expect(result.stderr).toMatch(new RegExp(`Nothing was written: ${dataDir} was left unchanged\\.`));
      expect(result.stdout).not.toMatch(/^✓ (dataset|charts|pdf|archive)/m);
      expect(await snapshot(dataDir)).toEqual(before.data);
      expect(await snapshot(outDir)).toEqual(before.out);
      const requests = server.requests.slice(asked).map((r) => `${r.method} ${r.path.replace(v2Prefix, '')}`);
      expect(requests.includes('POST /tables/10977/data')).toBe(c.data !== undefined); // a metadata change stops before the data
      expect(await readdir(dataDir)).not.toContain('.lock');
    });
  }

  test('following the message (deleting the stored metadata) accepts the change: the old code is recorded as withdrawn', async () => {
    await rm(join(dataDir, 'raw', '10977', 'metadata.json'));
    // The data answer without size class 02 too, as SSB would send it. SyssGrpIKT is the first dimension (slowest),
    // 02 its second code: cells [324, 648) go, later ones move down by 324.
    const block = 3 * 12 * 9;
    const data = JSON.parse(t10977.data);
    const value = (data.value as (number | null)[]).filter((_, i) => Math.floor(i / block) !== 1);
    const status = Object.fromEntries(Object.entries(data.status as Record<string, string>)
      .filter(([i]) => Math.floor(Number(i) / block) !== 1)
      .map(([i, s]) => [String(Number(i) >= 2 * block ? Number(i) - block : Number(i)), s]));
    data.dimension.SyssGrpIKT.category.index = { '00': 0, '05': 1 };
    delete data.dimension.SyssGrpIKT.category.label['02'];
    serveTable(server, '10977', { info: withUpdated(t10977.info, newUpdated), metadata: withCodeRemoved(t10977.metadata, 'SyssGrpIKT', '02'),
      data: JSON.stringify({ ...data, size: [2, 3, 12, 9], value, status }) });
    const result = await runCli(['fetch', '--data', dataDir], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/10977: updated 2025-10-01T06:00:00Z: 0 added, 0 revised, 324 withdrawn/);
    expect((await loadDataset(join(dataDir, 'dataset.json'))).tables['10977']!.updated).toBe(newUpdated);
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  });
});
