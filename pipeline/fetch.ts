import type { Dataset, Definition, Labels, Observation, StatusSymbol, TableDimension, TableState } from './briefing/model.js';
import { statusSymbols } from './briefing/model.js';
import { resolveMeasures } from './briefing/resolve.js';
import { FetchError, OfflineError, TableChangedError } from './errors.js';
import type { StatbankResponse, TableInfo } from './statbank/client.js';
import { observations as cellsOf, parseJsonStat, type JsonStatDataset } from './statbank/jsonstat.js';
import type { Selection } from './statbank/client.js';
import { measures, readShape, type TableShape } from './statbank/shape.js';

/**
 * Stage 1, fetch: the definition's StatBank tables, read as they are, only when SSB has published something new.
 * Network only: nothing is written here (stage 2, update.ts, merges and writes).
 *
 *   per table:  table info ─ 404 Non-existent table? skip ─ `updated` as stored? unchanged: stop here
 *               metadata (lang=no, and lang=en for English labels) ─► read its shape (roles by JSON-stat, SSB's codes
 *                 and labels) ─► a code the last fetch had is gone? TableChangedError
 *               resolve the definition's measures (recorded codes; else the label pattern) ─► a recorded code gone? stop
 *               data (every cell, split by the client under 800,000 cells) ─► one row per cell, every code kept
 *
 * StatBank that can't be reached, or that keeps answering 5xx or timing out past the retry budget, is not an error
 * here: the outcome is 'offline' and the run goes on with the committed data.
 */

/** What the fetch stage needs of the StatBank client (pipeline/statbank/client.ts). */
export interface StatbankReader {
  tableInfo(id: string): Promise<TableInfo>;
  metadata(id: string, lang?: 'no' | 'en'): Promise<StatbankResponse>;
  data(id: string, selection: Selection, options?: { dimensionSizes?: Record<string, number> }): Promise<StatbankResponse[]>;
  /** The table StatBank lists as replacing a discontinued one, if it can tell. */
  successorOf?(info: TableInfo): Promise<{ id: string; label: string } | null>;
}

export type FetchedRow = Omit<Observation, 'id' | 'revision'>;

export interface FetchedTable {
  id: string;
  state: TableState;
  rows: FetchedRow[];
  /** Measures resolved by their label pattern in this fetch: measure id -> codes, to record in the definition. */
  resolved: Record<string, Record<string, string>>;
  /** The responses as received, kept under data/<briefing>/raw/<table>/. */
  raw: { name: string; text: string }[];
}

export interface TableOutcome {
  id: string;
  updated: string | null;
  /** Why nothing was fetched: not published yet, unchanged. */
  skipped?: string;
}

export interface FetchOutcome {
  status: 'fetched' | 'unchanged' | 'offline';
  fetched: FetchedTable[];
  tables: TableOutcome[];
  /** Things a person should know that did not stop the fetch: a discontinued table, a measure not found. */
  warnings: string[];
  /** One line: what happened. Starts "StatBank unreachable:" when offline, so a CI log can be searched for it. */
  message: string;
}

export interface FetchOptions {
  definition: Definition;
  dataset: Pick<Dataset, 'tables'>;
  client: StatbankReader;
  /** Fetch metadata and data even when `updated` is what the dataset has. */
  force?: boolean;
  now: Date;
  log?: (line: string) => void;
}

export async function fetchTables(options: FetchOptions): Promise<FetchOutcome> {
  const { definition, log } = options;
  const fetched: FetchedTable[] = [];
  const tables: TableOutcome[] = [];
  const warnings: string[] = [];
  const warn = (line: string) => {
    warnings.push(line);
    log?.(`  ! ${line}`);
  };
  try {
    for (const { id } of definition.tables) {
      const step = await fetchOne(id, options, warn);
      tables.push(step.outcome);
      if (step.table) fetched.push(step.table);
    }
  } catch (error) {
    if (!(error instanceof OfflineError)) throw error;
    const { code, url, why } = error.context;
    const reason =
      why === 'unavailable'
        ? `it kept failing until the retry budget ran out (${error.message.split('. ')[0]})`
        : `${code ?? 'no connection'} ${url ?? ''}`.trim();
    return {
      status: 'offline',
      fetched: [],
      warnings,
      tables: definition.tables.map((t) => ({ id: t.id, updated: options.dataset.tables[t.id]?.updated ?? null, skipped: 'StatBank offline' })),
      message: `StatBank unreachable: ${reason}. Building from the committed data as it is; nothing was written.`,
    };
  }
  const message = tables.map((t) => (t.skipped ? `${t.id}: ${t.skipped}` : `${t.id}: fetched (updated ${t.updated ?? 'not given'})`)).join('; ');
  return { status: fetched.length ? 'fetched' : 'unchanged', fetched, tables, warnings, message: `${message}.` };
}

async function fetchOne(id: string, options: FetchOptions, warn: (line: string) => void): Promise<{ outcome: TableOutcome; table?: FetchedTable }> {
  const { client, dataset, definition, log } = options;
  const stored = dataset.tables[id];
  let info: TableInfo;
  try {
    info = await client.tableInfo(id);
  } catch (error) {
    if (
      error instanceof FetchError &&
      !(error instanceof OfflineError) &&
      error.context.status === 404 &&
      /non-existent table/i.test(error.context.title ?? '')
    ) {
      return { outcome: { id, updated: stored?.updated ?? null, skipped: 'not published (StatBank answers 404 Non-existent table)' } };
    }
    throw error;
  }
  if (info.discontinued === true) {
    const successor = await client.successorOf?.(info).catch(() => null);
    warn(
      `table ${id} is discontinued at StatBank${successor ? `; it is replaced by table ${successor.id} (${successor.label}): add it to the definition` : ''}`,
    );
  }
  // `updated` null (PxWebApi v1 doesn't say) is never "the same": fetch, and let the update find no change.
  if (info.updated !== null && stored?.updated === info.updated && !options.force) {
    return { outcome: { id, updated: info.updated, skipped: `unchanged since ${info.updated}` } };
  }

  const metaNo = await client.metadata(id, 'no');
  const meta = parseJsonStat(metaNo.body, { table: id, origin: metaNo.url });
  let metaEn: JsonStatDataset | null = null;
  let metaEnText: string | null = null;
  try {
    const res = await client.metadata(id, 'en');
    metaEn = parseJsonStat(res.body, { table: id, origin: res.url });
    metaEnText = res.text;
  } catch (error) {
    if (error instanceof OfflineError) throw error;
    warn(
      `table ${id}: no English labels (${(error as Error).message.split('. ')[0]}); English editions name its categories by the definition's words or SSB's Norwegian labels`,
    );
  }
  const shape = readShape(meta);
  const state = tableState(id, info, meta, metaEn, shape, options.now);
  const problems = stored ? sinceLastFetch(stored, state) : [];
  const resolution = resolveMeasures(definition, id, measures(shape), state.dimensions);
  problems.push(...resolution.problems);
  if (problems.length) {
    throw new TableChangedError(
      `Table ${id} at StatBank changed since the last fetch: ${problems.join('; ')}. Figures under a gone code would no longer match ` +
        'the ones stored, so the fetch stopped before writing anything. If SSB really renamed or removed it, check the table with ' +
        `\`briefing inspect ${id}\`, then remove the old code from the definition (measures[].codes) or the table's rows from the dataset.`,
      { table: id, problems },
    );
  }
  for (const w of resolution.warnings) warn(w);

  const dimensionSizes = Object.fromEntries(meta.dimensions.map((d) => [d.id, d.categories.length]));
  const selection: Selection = meta.dimensions.map((d) => ({ variableCode: d.id, valueCodes: ['*'] }));
  const responses = await client.data(id, selection, { dimensionSizes });
  const updated = info.updated ?? responses.map((r) => parseJsonStat(r.body, { table: id, origin: r.url }).updated).find((u) => u) ?? meta.updated ?? null;
  state.updated = updated;
  const rows: FetchedRow[] = [];
  let unmarked = 0;
  const codesOf = new Map(Object.entries(resolution.codes).map(([m, codes]) => [shape.measureDims.map((d) => codes[d]).join('\u0000'), m]));
  for (const res of responses) {
    const ds = parseJsonStat(res.body, { table: id, origin: res.url });
    const dims = ds.dimensions.map((d) => d.id);
    for (const dim of state.dimensions) {
      if (!dims.includes(dim.id))
        throw new FetchError(`The data StatBank sent for table ${id} has no dimension "${dim.id}", which its metadata has. Nothing was written.`, {
          table: id,
          url: res.url,
          reason: 'malformed',
        });
    }
    for (const cell of cellsOf(ds)) {
      if (cell.value === null && cell.status === null) {
        unmarked++;
        continue;
      }
      const codes = Object.fromEntries(state.dimensions.map((d) => [d.id, cell.codes[d.id]!]));
      const known = cell.status === null || (statusSymbols as readonly string[]).includes(cell.status);
      if (cell.value === null && (!known || cell.status === '*')) {
        unmarked++;
        continue;
      }
      const period = codes[shape.time]!;
      if (!/^\d{4}/.test(period))
        throw new FetchError(`Table ${id} has the time code "${period}", which doesn't start with a year. Nothing was written.`, {
          table: id,
          reason: 'malformed',
        });
      rows.push({
        table: id,
        article: null,
        period,
        year: Number(period.slice(0, 4)),
        measure: codesOf.get(shape.measureDims.map((d) => codes[d]).join('\u0000')) ?? null,
        size: shape.size ? codes[shape.size]! : null,
        industry: shape.industry ? codes[shape.industry]! : null,
        classification: shape.classification,
        codes,
        value: cell.value,
        status: known ? (cell.status as StatusSymbol | null) : null,
        bound: null,
        published: updated ? osloDate(updated) : null,
        note: known ? null : `StatBank marked this figure "${cell.status}", a symbol not known here`,
      });
    }
  }
  if (unmarked) warn(`table ${id}: ${unmarked} cell(s) came without a figure or a known symbol; left out (never counted as 0)`);
  log?.(`  StatBank ${id}: ${rows.length} figures, updated ${updated ?? 'not given'}, ${responses.length} data request(s)`);
  const raw = [
    { name: 'table-info.json', text: `${JSON.stringify(info.raw, null, 2)}\n` },
    { name: 'metadata-no.json', text: metaNo.text },
    ...(metaEnText ? [{ name: 'metadata-en.json', text: metaEnText }] : []),
    ...responses.map((res, i) => ({ name: `data-${i + 1}.json`, text: res.text })),
  ];
  const resolved = Object.fromEntries(resolution.newly.map((m) => [m, resolution.codes[m]!]));
  return { outcome: { id, updated }, table: { id, state, rows, resolved, raw } };
}

/** The table as stored: roles, SSB's labels in both languages, the mandatory notes. */
function tableState(id: string, info: TableInfo, meta: JsonStatDataset, metaEn: JsonStatDataset | null, shape: TableShape, now: Date): TableState {
  const en = new Map(metaEn?.dimensions.map((d) => [d.id, d]) ?? []);
  const dimensions: TableDimension[] = shape.dims.map((d) => {
    const english = en.get(d.id);
    const enLabel = new Map(english?.categories.map((c) => [c.code, c.label]) ?? []);
    return {
      id: d.id,
      role: d.role,
      label: labels(d.label, english?.label),
      categories: d.codes.map((c) => ({ code: c.code, label: labels(c.label, enLabel.get(c.code)) })),
    };
  });
  return {
    id,
    label: labels(info.label || meta.label || id, metaEn?.label ?? null),
    updated: info.updated,
    fetchedAt: now.toISOString(),
    classification: shape.classification,
    dimensions,
    notes: meta.notes.filter((n) => n.mandatory || meta.notes.length <= 4).map((n) => n.text),
    discontinued: info.discontinued,
  };
}

const labels = (no: string, en: string | null | undefined): Labels => (en ? { no, en } : { no });

/**
 * What makes old and new rows disagree: a dimension that is gone or changed its role, or a code of a dimension that
 * the last fetch stored and the table no longer has. New codes (a new year) are fine.
 */
function sinceLastFetch(stored: TableState, now: TableState): string[] {
  const problems: string[] = [];
  const current = new Map(now.dimensions.map((d) => [d.id, d]));
  for (const before of stored.dimensions) {
    const after = current.get(before.id);
    if (!after) {
      problems.push(
        `dimension ${before.id} (${before.label.no}) is gone${now.dimensions.length ? `; it now has ${now.dimensions.map((d) => d.id).join(', ')}` : ''}`,
      );
      continue;
    }
    if (after.role !== before.role) problems.push(`dimension ${before.id} was read as ${before.role} and now as ${after.role}`);
    const codes = new Set(after.categories.map((c) => c.code));
    const gone = before.categories.filter((c) => !codes.has(c.code));
    if (gone.length) {
      const known = new Set(before.categories.map((c) => c.code));
      const added = after.categories.filter((c) => !known.has(c.code));
      const list = (cs: typeof gone) => cs.map((c) => `"${c.code}" (${c.label.no})`).join(', ');
      problems.push(`${before.id} ${list(gone)} ${gone.length === 1 ? 'is' : 'are'} gone${added.length ? `; new: ${list(added)}` : ''}`);
    }
  }
  for (const d of now.dimensions) if (!stored.dimensions.some((b) => b.id === d.id)) problems.push(`dimension ${d.id} (${d.label.no}) is new`);
  return problems;
}

/** The date in Oslo of an ISO time (SSB publishes at 08:00 Oslo time, 06:00 or 07:00 UTC). */
export function osloDate(iso: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
  return parts;
}
