import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation } from '../pipeline/briefing/model.js';
import { OutputError } from '../pipeline/errors.js';
import type { FetchedTable } from '../pipeline/fetch.js';
import { writeFileAtomic } from '../pipeline/io/atomic.js';
import { defaultDataRoot } from '../pipeline/io/paths.js';
import { readHistory, reconcile, sha16 } from '../pipeline/store/history.js';
import { updateDataset } from '../pipeline/update.js';
import { loadFolder } from './support/briefing-text.js';

/**
 * Stage 2 on the AI briefing's real table: a later fetch of 13265 with a revised cell, a new year and a withdrawn
 * figure is merged in a Map; the rows already there stay in file order and the new ones are appended (so `git diff`
 * shows exactly what the fetch added); history records each change; a crash between the writes is reconciled.
 */

const cleanups: string[] = [];
afterEach(async () => {
  for (const dir of cleanups.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function aiFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'briefing-update-'));
  cleanups.push(dir);
  await cp(join(defaultDataRoot, 'kunstig-intelligens'), dir, { recursive: true });
  return dir;
}

/** The table as a later fetch would bring it: the stored rows (of 13265) with `change` applied. */
function refetch(
  dir: string,
  change: (rows: Omit<Observation, 'id' | 'revision'>[]) => Omit<Observation, 'id' | 'revision'>[],
  updated = '2026-09-25T06:00:00Z',
): FetchedTable {
  const { dataset } = loadFolder(dir);
  const current = new Map<string, Observation>();
  for (const o of dataset.observations) if (o.table === '13265') current.set(o.id.split('#')[0]!, o);
  const rows = change([...current.values()].map(({ id: _, revision: __, ...o }) => ({ ...o })));
  return { id: '13265', state: { ...dataset.tables['13265']!, updated }, rows, resolved: {}, raw: [{ name: 'data-1.json', text: '{}' }] };
}

const cell = (rows: Omit<Observation, 'id' | 'revision'>[], period: string, industry: string) =>
  rows.find((o) => o.period === period && o.industry === industry && o.codes?.ContentsCode === 'BrukarKunstigIntelli')!;

describe('merging a later fetch', () => {
  it('keeps the old rows in place, appends the revised and the new, and records every change', async () => {
    const dir = await aiFolder();
    const before = loadFolder(dir);
    const fetched = refetch(dir, (rows) => {
      cell(rows, '2025', 'Total-K').value = 31;
      const withdrawn = rows.indexOf(cell(rows, '2021', '47'));
      rows.splice(withdrawn, 1);
      rows.push({ ...cell(rows, '2025', 'Total-K'), period: '2026', year: 2026, value: 38, codes: { ...cell(rows, '2025', 'Total-K').codes!, Tid: '2026' } });
      return rows;
    });
    fetched.state.dimensions = fetched.state.dimensions.map((d) =>
      d.role === 'time' ? { ...d, categories: [...d.categories, { code: '2026', label: { no: '2026' } }] } : d,
    );
    const result = await updateDataset({
      dataDir: dir,
      definition: before.definition,
      dataset: before.dataset,
      datasetText: before.text,
      fetched: [fetched],
      now: new Date('2026-09-25T08:00:00Z'),
    });
    expect(result.changed).toBe(true);
    expect(result.tables).toEqual([{ table: '13265', added: 1, revised: 1, withdrawn: 1 }]);

    const after = await readFile(join(dir, 'dataset.json'), 'utf8');
    const oldLines = before.text.split('\n').filter((l) => l.startsWith('    ['));
    const newLines = after.split('\n').filter((l) => l.startsWith('    ['));
    // Every old row is still there, in its place; the two new rows come after them.
    expect(newLines.slice(0, oldLines.length).map((l) => l.replace(/,$/, ''))).toEqual(oldLines.map((l) => l.replace(/,$/, '')));
    expect(newLines.length).toBe(oldLines.length + 2);
    const { dataset } = loadFolder(dir);
    const revised = dataset.observations.filter((o) => o.period === '2025' && o.industry === 'Total-K' && o.measure === 'ai_any');
    expect(revised.map((o) => [o.value, o.revision])).toEqual([
      [30, 0],
      [31, 1],
    ]);

    const history = await readHistory(dir);
    const last = history.filter((e) => e.batch === sha16(after));
    expect(last.map((e) => e.kind).sort()).toEqual(['added', 'revised', 'table', 'withdrawn']);
    expect(last.find((e) => e.kind === 'revised')).toMatchObject({ before: { value: 30, status: null }, after: { value: 31, status: null } });
  });

  it('writes nothing when nothing changed', async () => {
    const dir = await aiFolder();
    const before = loadFolder(dir);
    const fetched = refetch(dir, (rows) => rows, before.dataset.tables['13265']!.updated!);
    const history = await readFile(join(dir, 'history.jsonl'), 'utf8');
    const result = await updateDataset({
      dataDir: dir,
      definition: before.definition,
      dataset: before.dataset,
      datasetText: before.text,
      fetched: [fetched],
      now: new Date(),
    });
    expect(result.changed).toBe(false);
    expect(await readFile(join(dir, 'dataset.json'), 'utf8')).toBe(before.text);
    expect(await readFile(join(dir, 'history.jsonl'), 'utf8')).toBe(history);
  });

  it('a crash between the history and the dataset is reconciled: the next update drops the half-written batch', async () => {
    const dir = await aiFolder();
    const before = loadFolder(dir);
    const historyBefore = await readFile(join(dir, 'history.jsonl'), 'utf8');
    const fetched = refetch(dir, (rows) => {
      cell(rows, '2025', 'Total-K').value = 31;
      return rows;
    });
    const crash = async (path: string, data: Parameters<typeof writeFileAtomic>[1]) => {
      if (path.endsWith('dataset.json')) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
      await writeFileAtomic(path, data);
    };
    const error = await updateDataset({
      dataDir: dir,
      definition: before.definition,
      dataset: before.dataset,
      datasetText: before.text,
      fetched: [fetched],
      now: new Date(),
      effects: { writeFile: crash },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect(await readFile(join(dir, 'dataset.json'), 'utf8')).toBe(before.text);
    // The history has the batch of a dataset that was never written; reconcile drops exactly it.
    const history = await readHistory(dir);
    const { kept, dropped } = reconcile(history, sha16(before.text));
    expect(dropped).toBe(1);
    expect(kept.map((e) => `${JSON.stringify(e)}\n`).join('')).toBe(historyBefore);
    // raw/ still holds the responses the committed dataset came from.
    expect(await readFile(join(dir, 'raw', '13265', 'data-1.json'), 'utf8')).not.toBe('{}');
  });
});
