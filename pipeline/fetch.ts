import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDataset, readDatasetBytes, statusSymbols, type Dataset, type Observation, type StatusSymbol } from './store/dataset.js';
import { readDatasetHeader } from './store/dataset-index.js';
import { BriefingError, FetchError } from './errors.js';
import { observations as cells, parseJsonStat, type JsonStatDataset } from './statbank/jsonstat.js';
import { OfflineError, type Selection, type StatbankClient, type TableInfo } from './statbank/client.js';
import { TableChangedError, tableChangedError, tableMismatches, type TableConfig, type TablesConfig } from './store/tables.js';
import { updateDataset } from './update.js';

export { TableChangedError } from './store/tables.js';

/**
 * The fetch stage: StatBank tables (data/tables.json) into data/, only when SSB has published something new.
 *
 *   lock data/ ─> read the dataset header (tables state)
 *   1. per table, network only:  tableInfo ─ 404 Non-existent table? skip
 *                                           ─ `updated` as stored (or discontinued and stored)? unchanged: stop here
 *                                metadata ─> parse ─> every configured variable and code there? else TableChangedError
 *                                         ─> every code of a `*` selection the last fetch had still there? else TableChangedError
 *                                data (POST, split by the client) ─> parse ─> tidy observations
 *   2. per fetched table:        updateDataset (merge + history + raw/<id>/; writes only what changed)
 *
 * Nothing is written until every table has been fetched and checked, so any failure in step 1 (offline,
 * HTTP error, malformed JSON-stat, a renamed code) leaves data/ byte for byte as it was. Offline is not an
 * error: the outcome says so and the committed dataset stays in use. Step 2 updates one table at a time;
 * each update is whole or not at all (see update.ts).
 */

export interface FetchOptions {
  /** The folder holding dataset.json; the caller holds its lock. */
  dataDir: string;
  tables: TablesConfig;
  client: StatbankClient;
  /** Fetch metadata and data even when `updated` is what data/ has (not for a discontinued table already stored). */
  force?: boolean;
  now: Date;
  log?: (line: string) => void;
}

export interface TableOutcome {
  id: string;
  /** The table's `updated` at StatBank (or as stored, when it was not asked). */
  updated: string | null;
  changed: boolean;
  /** Counts of figures added, revised and withdrawn by this fetch. */
  added: number;
  revised: number;
  withdrawn: number;
  /** Why the table was not fetched (it doesn't exist yet, StatBank is offline). */
  skipped?: string;
}

export interface FetchOutcome {
  status: 'updated' | 'unchanged' | 'offline';
  tables: TableOutcome[];
  /** One line for the person running it. */
  message: string;
}

type Fetched = { table: TableConfig; info: TableInfo; updated: string | null; notes: string[]; observations: Observation[]; raw: { name: string; text: string }[] };
type Step = { kind: 'fetched'; fetched: Fetched } | { kind: 'done'; outcome: TableOutcome };

/** The caller holds the lock on `dataDir` (pipeline/lock.ts), as every entry point does for its whole run. */
export async function fetchTables(options: FetchOptions): Promise<FetchOutcome> {
  const { dataDir, tables, log } = options;
  {
    // The figures are not needed to ask StatBank what changed: only the tables' state, from the header.
    const datasetPath = join(dataDir, 'dataset.json');
    const dataset = readDatasetHeader(await readDatasetBytes(datasetPath), datasetPath);
    const steps: Step[] = [];
    try {
      for (const table of tables.tables) steps.push(await fetchOne(table, dataset, options));
    } catch (error) {
      if (error instanceof OfflineError) {
        const { code, url } = error.context as { code?: string; url?: string };
        const figures = await loadDataset(datasetPath);
        const lastYear = figures.observations.reduce((max, o) => Math.max(max, o.year), -Infinity);
        const upTo = figures.observations.length ? ` (figures up to ${lastYear}, newest source dated ${datasetDate(figures)})` : '';
        const message = `SSB's StatBank can't be reached (${code ?? 'offline'} ${url ?? ''}): using the dataset in ${dataDir} as it is${upTo}. ` +
          'Nothing was written.';
        log?.(message);
        const skipped = tables.tables.map((t) => ({
          id: t.id, updated: dataset.tables[t.id]?.updated ?? null, changed: false, added: 0, revised: 0, withdrawn: 0, skipped: 'StatBank offline',
        }));
        return { status: 'offline' as const, tables: skipped, message };
      }
      if (error instanceof BriefingError && !error.message.includes('was left unchanged')) {
        error.message += ` Nothing was written: ${dataDir} was left unchanged.`;
      }
      throw error;
    }

    const outcomes: TableOutcome[] = [];
    for (const step of steps) {
      if (step.kind === 'done') {
        outcomes.push(step.outcome);
        continue;
      }
      const { table, info, updated, notes, observations, raw } = step.fetched;
      const result = await updateDataset({
        dataDir, table: { id: table.id, series: table.series, label: info.label, updated, notes }, observations, raw, now: options.now, complete: true,
      });
      const outcome = { id: table.id, updated, changed: result.changed, ...result.counts };
      log?.(`StatBank ${table.id}: ${result.changed ? `${outcome.added} added, ${outcome.revised} revised, ${outcome.withdrawn} withdrawn` : 'no figure changed'}`);
      outcomes.push(outcome);
    }
    const changed = outcomes.some((o) => o.changed);
    return { status: changed ? 'updated' : 'unchanged', tables: outcomes, message: summary(outcomes) } satisfies FetchOutcome;
  }
}

/** Step 1 for one table: requests only, no writes. */
async function fetchOne(table: TableConfig, dataset: Pick<Dataset, 'tables'>, options: FetchOptions): Promise<Step> {
  const { client, log } = options;
  const stored = dataset.tables[table.id];
  const none = { id: table.id, changed: false, added: 0, revised: 0, withdrawn: 0 };
  let info: TableInfo;
  try {
    info = await client.tableInfo(table.id);
  } catch (error) {
    if (!isNonExistentTable(error)) throw error;
    const skipped = 'StatBank answers 404 Non-existent table: not published yet, or withdrawn';
    log?.(`StatBank ${table.id}: skipped: ${skipped}`);
    return { kind: 'done', outcome: { ...none, updated: stored?.updated ?? null, skipped } };
  }
  // `updated` null (PxWebApi v1 doesn't say) is never "the same": fetch, and let updateDataset find no change.
  const same = info.updated !== null && stored?.updated === info.updated;
  if (same && (!options.force || info.discontinued === true)) {
    log?.(`StatBank ${table.id}: unchanged since ${info.updated}${info.discontinued ? ' (discontinued)' : ''}; only its table info was asked`);
    return { kind: 'done', outcome: { ...none, updated: info.updated } };
  }

  const metaRes = await client.metadata(table.id);
  const meta = parseJsonStat(metaRes.body, { table: table.id, origin: metaRes.url });
  const problems = tableMismatches(meta, table);
  if (problems.length > 0) throw tableChangedError(meta, table, problems, { file: options.tables.file, dataDir: options.dataDir });
  await checkSinceLastFetch(meta, table, options);

  const dimensionSizes = Object.fromEntries(meta.dimensions.map((d) => [d.id, d.categories.length]));
  const responses = await client.data(table.id, selectionOf(table), { dimensionSizes });
  const updated = info.updated ?? meta.updated;
  const observations = responses.flatMap((res) => {
    const ds = parseJsonStat(res.body, { table: table.id, origin: res.url });
    for (const warning of ds.warnings) log?.(`StatBank ${table.id}: ${res.url}: ${warning}`);
    return buildObservations(ds, table, { updated });
  });
  log?.(`StatBank ${table.id}: fetched ${observations.length} figures (updated ${updated ?? 'unknown'}, ${responses.length} data request(s))`);
  const raw = [
    { name: 'metadata.json', text: metaRes.text },
    ...responses.map((res, i) => ({ name: `data-${i + 1}.json`, text: res.text })),
    // The client keeps table info parsed; it is stored re-serialised.
    { name: 'table-info.json', text: JSON.stringify(info.raw, null, 2) + '\n' },
  ];
  const notes = meta.notes.filter((n) => n.mandatory).map((n) => n.text);
  return { kind: 'fetched', fetched: { table, info, updated, notes, observations, raw } };
}

/**
 * A `*` selection takes whatever codes the table has, so tableMismatches can't see a code SSB renamed or dropped
 * (NACE2007 "58-63" becoming "58-63X"): the figures under the old code would silently turn into withdrawals. So the
 * metadata is compared with the one stored by the last fetch that wrote (data/raw/<id>/metadata.json): a code of
 * size, industry or time it had that is gone now stops the fetch (TableChangedError) before anything is written.
 * New codes alone (a new year) are fine. No stored metadata (first fetch), or one that doesn't parse (a v1 answer),
 * means nothing to compare.
 */
async function checkSinceLastFetch(meta: JsonStatDataset, table: TableConfig, options: FetchOptions): Promise<void> {
  const path = join(options.dataDir, 'raw', table.id, 'metadata.json');
  let previous: JsonStatDataset;
  try {
    previous = parseJsonStat(JSON.parse(await readFile(path, 'utf8')), { table: table.id, origin: path });
  } catch {
    return;
  }
  const problems: string[] = [];
  for (const role of ['size', 'industry', 'time'] as const) {
    const id = table.dimensions[role];
    if (!table.selection[role].some((code) => /[*?()[\]]/.test(code))) continue; // explicit codes: tableMismatches checks them
    const now = meta.dimensions.find((d) => d.id === id);
    const before = previous.dimensions.find((d) => d.id === id);
    if (!now || !before) continue;
    const codes = new Set(now.categories.map((c) => c.code));
    const gone = before.categories.filter((c) => !codes.has(c.code));
    if (gone.length === 0) continue;
    const known = new Set(before.categories.map((c) => c.code));
    const added = now.categories.filter((c) => !known.has(c.code));
    const list = (cs: typeof gone) => cs.map((c) => `"${c.code}" (${c.label})`).join(', ');
    problems.push(`${id} ${list(gone)} ${gone.length === 1 ? 'is' : 'are'} gone${added.length ? `; new: ${list(added)}` : ''}`);
  }
  if (problems.length === 0) return;
  throw new TableChangedError(
    `Table ${table.id} at StatBank changed since the last fetch (${path}): ${problems.join('; ')}. ` +
      `Its figures under a gone code would be recorded as withdrawn, so the fetch stopped. Nothing was written: ${options.dataDir} ` +
      `was left unchanged. If SSB really changed the table, check ${options.tables.file ?? 'data/tables.json'} against \`briefing inspect ` +
      `${table.id}\`, then delete ${path} and fetch again to accept the change.`,
    { table: table.id, problems, path },
  );
}

/** All of size, industry and time as configured; ContentsCode exactly the mapped codes. */
export function selectionOf(table: TableConfig): Selection {
  const d = table.dimensions;
  return [
    { variableCode: d.size, valueCodes: table.selection.size },
    { variableCode: d.industry, valueCodes: table.selection.industry },
    { variableCode: d.contents, valueCodes: Object.keys(table.measures) },
    { variableCode: d.time, valueCodes: table.selection.time },
  ];
}

const isStatus = (s: string | null): s is StatusSymbol => s !== null && (statusSymbols as readonly string[]).includes(s);

/**
 * One tidy observation per cell of a data response. Pure.
 * - cells of a ContentsCode not in `measures` are left out; size and industry codes are kept as they are;
 * - the year is the leading four digits of the time code;
 * - a null keeps its status symbol; a null with none (or with `*`) gets '..' and a note; an unknown symbol is
 *   dropped into the note;
 * - source is the table's page, published the date part of `updated`, unit percent, revision 0.
 * Throws FetchError when a configured dimension is missing, another dimension has more than one category
 * (figures would be ambiguous), or a time code has no year.
 */
export function buildObservations(ds: JsonStatDataset, table: TableConfig, meta: { updated: string | null }): Observation[] {
  const d = table.dimensions;
  const fail = (problem: string) =>
    new FetchError(`The data StatBank sent for table ${table.id} ${problem}; it does not match its metadata or data/tables.json.`, { table: table.id });
  for (const id of Object.values(d)) if (!ds.dimensions.some((x) => x.id === id)) throw fail(`has no dimension "${id}"`);
  const extra = ds.dimensions.find((x) => !Object.values(d).includes(x.id) && x.categories.length > 1);
  if (extra) throw fail(`has a dimension "${extra.id}" with ${extra.categories.length} categories that data/tables.json doesn't name`);
  const published = meta.updated && /^\d{4}-\d{2}-\d{2}/.test(meta.updated) ? meta.updated.slice(0, 10) : null;
  const source = `https://www.ssb.no/statbank/table/${table.id}`;
  const out: Observation[] = [];
  for (const cell of cells(ds)) {
    const measure = table.measures[cell.codes[d.contents]!];
    if (!measure) continue;
    const time = cell.codes[d.time]!;
    if (!/^\d{4}/.test(time)) throw fail(`has the time code "${time}", which doesn't start with a year`);
    let status: StatusSymbol | null = isStatus(cell.status) ? cell.status : null;
    let note: string | undefined;
    if (cell.status !== null && !isStatus(cell.status)) note = `StatBank marked this figure "${cell.status}", a symbol not known here`;
    if (cell.value === null && (status === null || status === '*')) {
      note = `StatBank sent no figure${cell.status ? ` (status "${cell.status}")` : ' and no status symbol'}; recorded as ".." (missing)`;
      status = '..';
    }
    out.push({
      measure, year: Number(time.slice(0, 4)), sizeClass: cell.codes[d.size]!, industry: cell.codes[d.industry]!, value: cell.value,
      status, unit: 'percent', series: table.series, table: table.id, source, published, revision: 0, ...(note ? { note } : {}),
    });
  }
  return out;
}

/** A 404 whose Problem JSON says "Non-existent table": the table isn't there (yet); not an API failure. */
function isNonExistentTable(error: unknown): boolean {
  return error instanceof FetchError && !(error instanceof OfflineError) && error.context.status === 404 &&
    /non-existent table/i.test(String(error.context.title ?? ''));
}

/** The date the dataset's figures are from: the latest table `updated`, else the latest article date. */
export function datasetDate(dataset: Dataset): string {
  const dates = [
    ...Object.values(dataset.tables).map((t) => t.updated?.slice(0, 10)),
    ...dataset.observations.map((o) => o.published?.slice(0, 10)),
  ].filter((x): x is string => typeof x === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(x));
  return dates.sort().at(-1) ?? 'an unknown date';
}

function summary(outcomes: TableOutcome[]): string {
  return outcomes.map((o) =>
    o.skipped ? `${o.id}: skipped (${o.skipped})`
      : o.changed ? `${o.id}: updated${o.updated ? ` ${o.updated}` : ''}: ${o.added} added, ${o.revised} revised, ${o.withdrawn} withdrawn`
      : `${o.id}: unchanged${o.updated ? ` since ${o.updated}` : ''}`).join('; ') + '.';
}
