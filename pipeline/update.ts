import type { Dataset, Definition, Observation, TableState } from './briefing/model.js';
import { DatasetError } from './errors.js';
import type { FetchedTable } from './fetch.js';
import type { FileData } from './io/atomic.js';
import { commitUpdate } from './store/commit.js';
import { identityOf, measureIndex, measureOf, observationId, serializeDataset } from './store/dataset.js';
import { serializeDefinition } from './store/definition.js';
import { readHistory, reconcile, sha16, withdrawnKeys, type HistoryEntry } from './store/history.js';

/**
 * Stage 2, update: the fetched tables merged into the dataset in memory, then written by the store in one commit
 * (nothing when nothing changed; the caller holds the lock). A new cell is added (revision 0); a changed value, status
 * or note is revised (a new row at the next revision, the old one stays); a row the fetch lacks is withdrawn (in the
 * history only). Old rows keep their file order, new ones are appended; a changed table state is a change too.
 */

interface UpdateOptions {
  dataDir: string;
  definition: Definition;
  dataset: Dataset;
  /** The dataset file's text as read (its hash ties history batches to it). */
  datasetText: string;
  fetched: FetchedTable[];
  now: Date;
  effects?: { writeFile?: (path: string, data: FileData) => Promise<void> };
}

export async function updateDataset(options: UpdateOptions) {
  const { dataDir, now } = options;
  const previous = sha16(options.datasetText);
  const { kept } = reconcile(await readHistory(dataDir), previous);
  const merged = mergeFetched(options.definition, options.dataset, options.fetched, kept);
  if (!merged.changed) {
    return { changed: false, dataset: options.dataset, definition: options.definition, datasetText: options.datasetText, tables: merged.tables };
  }
  const datasetText = serializeDataset(merged.dataset);
  const batch = sha16(datasetText);
  const lines: HistoryEntry[] = [];
  for (const t of merged.tables) {
    const stamp = { at: now.toISOString(), table: t.table, updated: merged.dataset.tables[t.table]!.updated, batch, previous };
    for (const change of merged.changes.get(t.table)!) lines.push({ ...stamp, ...change } as HistoryEntry);
    lines.push({
      ...stamp,
      kind: 'table',
      previousUpdated: options.dataset.tables[t.table]?.updated ?? null,
      counts: { added: t.added, revised: t.revised, withdrawn: t.withdrawn },
    });
  }
  await commitUpdate({
    dataDir,
    history: [...kept, ...lines],
    datasetText,
    definitionText: merged.definitionChanged ? serializeDefinition(merged.definition) : null,
    raw: options.fetched.map((f) => ({ table: f.id, files: f.raw })),
    writeFile: options.effects?.writeFile,
  });
  return { changed: true, dataset: merged.dataset, definition: merged.definition, datasetText, tables: merged.tables };
}

type ValueStatus = { value: number | null; status: Observation['status'] };
type Change = { kind: 'added' | 'revised' | 'withdrawn'; key: string; before?: ValueStatus; after?: ValueStatus };

/** The merge, pure: the new dataset and definition, and what changed per table. */
function mergeFetched(definition: Definition, dataset: Dataset, fetched: FetchedTable[], history: HistoryEntry[]) {
  const definitionChanged = fetched.some((f) => Object.keys(f.resolved).length > 0);
  const nextDefinition: Definition = !definitionChanged
    ? definition
    : {
        ...definition,
        measures: definition.measures.map((m) => {
          const codes = { ...m.codes };
          for (const f of fetched) if (f.resolved[m.id]) codes[f.id] = f.resolved[m.id]!;
          return Object.keys(codes).length ? { ...m, codes } : m;
        }),
      };
  const tables: Record<string, TableState> = { ...dataset.tables, ...Object.fromEntries(fetched.map((f) => [f.id, f.state])) };
  const index = measureIndex(nextDefinition, tables);

  /** identity -> the current (highest revision) row. */
  const current = new Map<string, Observation>();
  for (const o of dataset.observations) {
    const key = o.revision === 0 ? o.id : o.id.slice(0, o.id.lastIndexOf('#')); // identityOf(o), from the id it made
    const seen = current.get(key);
    if (!seen || o.revision > seen.revision) current.set(key, o);
  }
  const appended: Observation[] = [];
  const changes = new Map<string, Change[]>();
  /** Per fetched table, how many figures were added, revised and withdrawn. */
  const counts: { table: string; added: number; revised: number; withdrawn: number }[] = [];
  let changed = definitionChanged;
  for (const f of fetched) {
    const log: Change[] = [];
    const withdrawn = withdrawnKeys(history, f.id);
    const fetchedKeys = new Set<string>();
    /** New rows with their identity, computed once for sorting. */
    const fresh: { key: string; o: Observation }[] = [];
    for (const [i, row] of f.rows.entries()) {
      const key = identityOf(row);
      if (fetchedKeys.has(key)) {
        throw new DatasetError(`The data fetched for table ${f.id} has a second figure for ${key} (cell ${i + 1}); it is malformed. Nothing was written.`, {
          table: f.id,
          row: i + 1,
        });
      }
      fetchedKeys.add(key);
      const before = current.get(key);
      const after: ValueStatus = { value: row.value, status: row.status };
      if (!before || before.value !== row.value || before.status !== row.status || before.note !== row.note) {
        fresh.push({ key, o: { ...row, id: '', revision: before ? before.revision + 1 : 0 } });
        log.push(before ? { kind: 'revised', key, before: { value: before.value, status: before.status }, after } : { kind: 'added', key, after });
      } else if (withdrawn.has(key)) log.push({ kind: 'added', key, after }); // a withdrawn figure is back
    }
    for (const [key, o] of current) {
      if (o.table === f.id && !fetchedKeys.has(key) && !withdrawn.has(key)) log.push({ kind: 'withdrawn', key, before: { value: o.value, status: o.status } });
    }
    fresh.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { o } of fresh) {
      o.measure = measureOf(index, f.id, o.codes!);
      o.id = observationId(o);
      appended.push(o);
    }
    const before = dataset.tables[f.id];
    const stateChanged = !before || JSON.stringify({ ...before, fetchedAt: '' }) !== JSON.stringify({ ...f.state, fetchedAt: '' });
    if (log.length || stateChanged) changed = true;
    changes.set(f.id, log);
    const count = (kind: Change['kind']) => log.filter((c) => c.kind === kind).length;
    counts.push({ table: f.id, added: count('added'), revised: count('revised'), withdrawn: count('withdrawn') });
  }
  // Rows already there keep their place; a newly resolved measure reaches them too.
  const observations = [
    ...dataset.observations.map((o) => {
      const measure = o.table !== null ? measureOf(index, o.table, o.codes!) : o.measure;
      return measure === o.measure ? o : { ...o, measure };
    }),
    ...appended,
  ];
  return { changed, definitionChanged, definition: nextDefinition, dataset: { ...dataset, tables, observations }, changes, tables: counts };
}
