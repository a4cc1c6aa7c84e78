import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { currentObservations, loadDataset, observationKey, serializeDataset, type Observation } from '../pipeline/store/dataset.js';
import { writeFileAtomic, type FileData } from '../pipeline/io/atomic.js';
import { DatasetError, OutputError } from '../pipeline/errors.js';
import { withLock } from '../pipeline/io/lock.js';
import { defaultDataDir, projectRoot } from '../pipeline/io/paths.js';
import { checkHistoryConsistency, readHistory, reconcileHistory, updateDataset, type UpdateOptions } from '../pipeline/update.js';

const temps: string[] = [];
let dataDir: string;
const datasetPath = () => join(dataDir, 'dataset.json');
const historyPath = () => join(dataDir, 'history.jsonl');

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ssb-update-'));
  temps.push(dataDir);
  await copyFile(join(defaultDataDir, 'dataset.json'), datasetPath());
});
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

const t10977 = { id: '10977', series: 'SN2007', label: 'Bruk av sosiale medium', updated: '2025-08-20T06:00:00Z' } as const;
const t14933 = { id: '14933', series: 'SN2025', label: 'Bruk av sosiale medium (SN2025)', updated: '2026-08-19T06:00:00Z' } as const;

function fig(measure: string, year: number, value: number | null, more: Partial<Observation> = {}): Observation {
  return {
    measure, year, sizeClass: '00', industry: 'Total+K', value, status: value === null ? '..' : null, unit: 'percent',
    series: 'SN2007', table: '10977', source: 'https://data.ssb.no/api/pxwebapi/v2/tables/10977/data', published: '2025-08-20',
    revision: 0, ...more,
  };
}

/** The fetch of table 10977 used as the starting point: two article figures restated, one corrected, a new year. */
const first = [fig('social_networks', 2019, 77), fig('social_networks', 2024, 80), fig('wikis', 2019, 5), fig('wikis', 2024, 6)];

function update(observations: Observation[], more: Partial<UpdateOptions> = {}) {
  return updateDataset({
    dataDir, table: t10977, observations, raw: [{ name: 'data.json', text: '{"version":"2.0"}' }], now: new Date('2026-01-05T07:00:00Z'), ...more,
  });
}

const rowsOf = async (key: string) =>
  (await loadDataset(datasetPath())).observations.filter((o) => observationKey(o) === key).sort((a, b) => a.revision - b.revision);
const exists = (path: string) => stat(path).then(() => true, () => false);

describe('updateDataset', () => {
  it('supersedes article figures with fetched ones as higher revisions and adds new keys at revision 0', async () => {
    const result = await update(first);
    expect(result.changed).toBe(true);
    expect(result.added.map(observationKey)).toEqual(['SN2007|social_networks|2024|00|Total+K', 'SN2007|wikis|2024|00|Total+K']);
    expect(result.added.every((o) => o.revision === 0)).toBe(true);
    // An article figure is superseded even where the value agrees (wikis 2019): the table is now its source.
    expect(result.revised.map((r) => [r.before.table, r.before.value, r.after.table, r.after.value, r.after.revision])).toEqual([
      [null, 76, '10977', 77, 1],
      [null, 5, '10977', 5, 1],
    ]);
    const rows = await rowsOf('SN2007|social_networks|2019|00|Total+K');
    expect(rows.map((o) => [o.value, o.table, o.revision])).toEqual([[76, null, 0], [77, '10977', 1]]);
    const dataset = await loadDataset(datasetPath());
    expect(dataset.tables['10977']).toEqual({ ...t10977, fetchedAt: '2026-01-05T07:00:00.000Z', notes: [] });
    expect(await readFile(join(dataDir, 'raw', '10977', 'data.json'), 'utf8')).toBe('{"version":"2.0"}');
    const history = await readHistory(dataDir);
    expect(history.map((e) => e.kind)).toEqual(['revised', 'added', 'revised', 'added', 'table']);
    expect(history[0]).toMatchObject({ key: 'SN2007|social_networks|2019|00|Total+K', before: { value: 76, status: null }, after: { value: 77, status: null } });
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  });

  it('adds a new year and records a revised figure as a new row, keeping the old one', async () => {
    await update(first);
    const result = await update([...first.slice(0, 3), fig('wikis', 2024, 7), fig('wikis', 2025, 8)], { now: new Date('2026-02-01T07:00:00Z') });
    expect(result.added.map((o) => [o.year, o.value, o.revision])).toEqual([[2025, 8, 0]]);
    expect(result.revised.map((r) => [r.before.value, r.after.value, r.after.revision])).toEqual([[6, 7, 1]]);
    expect((await rowsOf('SN2007|wikis|2024|00|Total+K')).map((o) => [o.value, o.revision])).toEqual([[6, 0], [7, 1]]);
    const history = await readHistory(dataDir);
    expect(history.filter((e) => e.kind === 'revised' && e.at.startsWith('2026-02'))).toMatchObject([
      { key: 'SN2007|wikis|2024|00|Total+K', before: { value: 6 }, after: { value: 7 } },
    ]);
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  });

  it('writes nothing at all when the table is unchanged', async () => {
    await update(first);
    const files = [datasetPath(), historyPath(), join(dataDir, 'raw', '10977', 'data.json')];
    const before = await Promise.all(files.map(async (f) => [(await stat(f)).mtimeMs, await readFile(f, 'utf8')]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const result = await update(first, { now: new Date('2026-03-01T07:00:00Z'), raw: [{ name: 'other.json', text: '{}' }] });
    expect(result).toMatchObject({ changed: false, added: [], revised: [], withdrawn: [] });
    expect(await Promise.all(files.map(async (f) => [(await stat(f)).mtimeMs, await readFile(f, 'utf8')]))).toEqual(before);
    expect(await readdir(join(dataDir, 'raw', '10977'))).toEqual(['data.json']);
  });

  it('records a new `updated` stamp alone as a batch with just its table line', async () => {
    await update(first);
    const result = await update(first, { table: { ...t10977, updated: '2025-09-01T06:00:00Z' } });
    expect(result.changed).toBe(true);
    const history = await readHistory(dataDir);
    expect(history.at(-1)).toMatchObject({ kind: 'table', updated: '2025-09-01T06:00:00Z', previousUpdated: '2025-08-20T06:00:00Z' });
    expect(history.at(-2)!.kind).toBe('table');
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  });

  it('keeps an SN2025 series beside the SN2007 one for the same codes and years, never spliced', async () => {
    await update(first);
    const sn2025 = [2025, 2026].map((year) => fig('social_networks', year, 81, { series: 'SN2025', table: '14933' }));
    const result = await update(sn2025, { table: t14933 });
    expect(result.added.map((o) => [o.series, o.year, o.revision])).toEqual([['SN2025', 2025, 0], ['SN2025', 2026, 0]]);
    expect(result.revised).toEqual([]);
    expect(result.withdrawn).toEqual([]); // 10977's rows are not this table's
    expect((await rowsOf('SN2007|social_networks|2024|00|Total+K')).map((o) => o.value)).toEqual([80]);
    expect(Object.keys((await loadDataset(datasetPath())).tables).sort()).toEqual(['10977', '14933']);
    await expect(update([fig('social_networks', 2026, 1)], { table: t14933 })).rejects.toThrow(/table is 10977, expected 14933/);
  });

  it('reports a figure missing from a complete fetch as withdrawn once, keeps its row, and notices it coming back', async () => {
    await update(first);
    const without = first.filter((o) => !(o.measure === 'wikis' && o.year === 2024));
    const result = await update(without);
    expect(result.withdrawn.map((o) => [observationKey(o), o.value])).toEqual([['SN2007|wikis|2024|00|Total+K', 6]]);
    expect((await rowsOf('SN2007|wikis|2024|00|Total+K')).map((o) => o.value)).toEqual([6]);
    expect((await readHistory(dataDir)).at(-2)).toMatchObject({ kind: 'withdrawn', before: { value: 6, status: null } });
    expect((await update(without)).changed).toBe(false);
    const back = await update(first);
    expect(back.added.map((o) => [o.year, o.revision])).toEqual([[2024, 0]]);
    expect((await rowsOf('SN2007|wikis|2024|00|Total+K')).length).toBe(1);
    expect((await update(without, { complete: false })).changed).toBe(false); // a partial fetch withdraws nothing
  });

  it('replaces the raw folder with this fetch’s responses', async () => {
    await update(first, { raw: [{ name: 'a.json', text: 'A' }, { name: 'b.json', text: 'B' }] });
    await update([fig('wikis', 2025, 9), ...first], { raw: [{ name: 'c.json', text: 'C' }] });
    expect(await readdir(join(dataDir, 'raw', '10977'))).toEqual(['c.json']);
    await expect(update(first, { raw: [{ name: '../x', text: '' }] })).rejects.toThrow(OutputError);
  });

  it('lets an invalid dataset on disk fail with its DatasetError and writes nothing', async () => {
    const broken = (await readFile(datasetPath(), 'utf8')).replace('"Total+K",50,null', '"Total+K",-50,null');
    expect(broken).not.toBe(await readFile(datasetPath(), 'utf8'));
    await writeFile(datasetPath(), broken);
    await expect(update(first)).rejects.toThrow(DatasetError);
    expect(await readdir(dataDir)).toEqual(['dataset.json']);
    expect(await readFile(datasetPath(), 'utf8')).toBe(broken);
  });

  it('fails with an OutputError naming the path when it cannot write, leaving the dataset unchanged', async () => {
    const original = await readFile(datasetPath(), 'utf8');
    await writeFile(join(dataDir, 'raw'), 'a file where the raw folder should be');
    const error = await update(first).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as Error).message).toMatch(new RegExp(`${join(dataDir, 'raw', '10977')}.*dataset left unchanged`));
    expect(await readFile(datasetPath(), 'utf8')).toBe(original);
    expect(await exists(historyPath())).toBe(false);
  });

  it('takes its history batch back when writing the dataset fails', async () => {
    await update(first);
    const history = await readFile(historyPath(), 'utf8');
    const failing = async (path: string, data: FileData) => {
      if (path.endsWith('dataset.json')) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      await writeFileAtomic(path, data);
    };
    await expect(update([fig('wikis', 2025, 9), ...first], { effects: { writeFile: failing } })).rejects.toThrow(/ENOSPC.*dataset left unchanged/);
    expect(await readFile(historyPath(), 'utf8')).toBe(history);
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  });

  it('leaves history alone and reports it when dataset.json was changed by hand', async () => {
    await update(first);
    const edited = (await readFile(datasetPath(), 'utf8')).replace('"Total+K",50,null', '"Total+K",51,null');
    expect(edited).not.toBe(await readFile(datasetPath(), 'utf8'));
    await writeFile(datasetPath(), edited);
    expect(await reconcileHistory(dataDir)).toBe(0);
    expect(await checkHistoryConsistency(dataDir)).toEqual([expect.stringMatching(/changed outside updateDataset/)]);
    await update([fig('wikis', 2025, 9), ...first]);
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  });
});

/**
 * Crash safety against real SIGKILLs. The writer is a separate Node process running the real updateDataset,
 * compiled from pipeline/ into a build folder of its own (Node 20 cannot run TypeScript, and the project-wide
 * build may hold other modules mid-edit).
 */
describe('updateDataset killed with SIGKILL', () => {
  const build = join(projectRoot, 'dist', '.test-kill-writer');
  const writer = join(projectRoot, 'test', 'support', 'kill-writer.mjs');
  const tempFile = /^\..+\.\d+\.[0-9a-f]{8}\.(tmp|stale)$/;
  const sha16 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
  const writers: ChildProcess[] = [];
  afterAll(() => {
    for (const child of writers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  beforeAll(async () => {
    await promisify(execFile)('npx', ['tsc', '--outDir', build, '--rootDir', '.', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
      '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node', 'pipeline/update.ts'], { cwd: projectRoot });
  }, 60_000);

  /** The seed dataset plus 5,200 figures of table 10977 (1.2 MB), so each write takes a while. */
  async function bigDataset(): Promise<void> {
    const dataset = await loadDataset(datasetPath());
    const industries = Array.from({ length: 8 }, (_, i) => `I${String(i).padStart(2, '0')}`);
    let n = 0;
    for (const measure of ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9'])
      for (let year = 2013; year <= 2025; year++)
        for (const sizeClass of ['00', '02', '03', '04', '05'])
          for (const industry of industries) dataset.observations.push(fig(measure, year, n++ % 97, { sizeClass, industry }));
    dataset.tables['10977'] = { ...t10977, fetchedAt: '2025-12-01T07:00:00.000Z', notes: [] };
    await writeFile(datasetPath(), serializeDataset(dataset));
  }

  function startWriter(mode: 'loop' | 'before-dataset') {
    const child = spawn(process.execPath, [writer, build, dataDir, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
    writers.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    /** Resolves once the writer has printed `line` (e.g. "write history"). */
    const printed = (line: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => out.includes(line + '\n') && resolve();
        child.stdout.on('data', check);
        child.once('exit', () => reject(new Error(`writer exited before printing "${line}": ${err}`)));
        check();
      });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const go = () => child.stdin.end('go\n');
    return { child, go, printed, exited, commits: () => out.match(/committed/g)?.length ?? 0, stderr: () => err };
  }

  /** The state a kill must leave: a valid dataset that is the old or the new one, nothing else taken for data. */
  async function expectConsistent(): Promise<{ temps: number; dropped: number }> {
    const text = await readFile(datasetPath(), 'utf8');
    await loadDataset(datasetPath());
    const last = (await readHistory(dataDir)).at(-1);
    if (last) expect([last.batch, last.previous]).toContain(sha16(text));
    const names = await readdir(dataDir);
    const unknown = names.filter((name) => !['dataset.json', 'history.jsonl', 'raw', '.lock'].includes(name) && !tempFile.test(name));
    expect(unknown).toEqual([]);
    const dropped = await reconcileHistory(dataDir);
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
    return { temps: names.filter((name) => tempFile.test(name)).length, dropped };
  }

  it('leaves the old or the new dataset at any moment, and history reconciles to match', async () => {
    await bigDataset();
    const initial = await readFile(datasetPath(), 'utf8');
    let seed = 20260105;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31); // seeded: the same kill moments each run
    const stats = { kills: 0, commits: 0, temps: 0, dropped: 0 };
    // Odd rounds kill at a random moment in the 600 ms from the first write on (the writes and the next
    // update); even rounds aim at the start of a raw, history or dataset write, plus 0-6 ms.
    let next = startWriter('loop');
    for (let round = 0; round < 12; round++) {
      const run = next;
      await run.printed('ready');
      run.go();
      await run.printed('write raw');
      if (round % 2 === 0) await run.printed(`write ${['raw', 'history', 'dataset'][Math.floor(random() * 3)]}`);
      await new Promise((resolve) => setTimeout(resolve, random() * (round % 2 === 0 ? 6 : 600)));
      run.child.kill('SIGKILL');
      expect(await run.exited, run.stderr()).toBe('SIGKILL');
      next = round < 11 ? startWriter('loop') : next; // loads its modules while this round is checked
      stats.kills++;
      stats.commits += run.commits();
      const seen = await expectConsistent();
      stats.temps += seen.temps;
      stats.dropped += seen.dropped;
    }
    console.log('SIGKILL rounds:', stats);
    expect(stats.commits).toBeGreaterThan(0);
    expect(await readFile(datasetPath(), 'utf8')).not.toBe(initial);

    // The next run takes over the dead writer's lock and clears its temp files.
    const dataset = await loadDataset(datasetPath());
    // Only the current figure of each key: after revisions, `observations` holds several rows per key.
    const fresh = currentObservations(dataset).filter((o) => o.table === '10977' && o.year === 2013 && o.measure === 'm0').map((o) => ({ ...o, value: 99 }));
    await withLock(dataDir, 'test', () => update(fresh, { complete: false }));
    expect((await readdir(dataDir)).filter((name) => tempFile.test(name))).toEqual([]);
    expect((await readdir(join(dataDir, 'raw', '10977')))).toEqual(['data.json']);
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  }, 60_000);

  it('after a kill between the history and the dataset write, reconcileHistory drops the unwritten batch', async () => {
    await bigDataset();
    const dataset = await readFile(datasetPath(), 'utf8');
    const run = startWriter('before-dataset');
    await run.printed('ready');
    run.go();
    expect(await run.exited, run.stderr()).toBe('SIGKILL');
    expect(await readFile(datasetPath(), 'utf8')).toBe(dataset);
    expect((await readHistory(dataDir)).at(-1)).toMatchObject({ kind: 'table', previous: sha16(dataset) });
    expect(await checkHistoryConsistency(dataDir)).toEqual([expect.stringMatching(/interrupted update/)]);
    expect(await reconcileHistory(dataDir)).toBe(1);
    expect(await readHistory(dataDir)).toEqual([]);
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  }, 30_000);
});
