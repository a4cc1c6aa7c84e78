import type { Dataset, Definition, Labels, Observation, StatusSymbol, TableState } from './briefing/model.js';
import { statusSymbols } from './briefing/model.js';
import { resolveMeasures } from './briefing/resolve.js';
import { FetchError, OfflineError, TableChangedError } from './errors.js';
import type { StatbankClient, TableInfo } from './statbank/client.js';
import { observations as cellsOf, type JsonStatDataset, parseJsonStat } from './statbank/jsonstat.js';
import { measures, readShape, type TableShape } from './statbank/shape.js';

/**
 * Stage 1, fetch (network only; update.ts writes): each table of the definition whose `updated` changed. Codes gone
 * since the last fetch stop it (TableChangedError); StatBank unreachable or failing past the retry budget is 'offline'.
 */

/** What the fetch stage needs of the StatBank client, and the table that replaces a discontinued one, if it can tell. */
export type StatbankReader = Pick<StatbankClient, 'tableInfo' | 'metadata' | 'data'> & {
  successorOf?(info: TableInfo): Promise<{ id: string; label: string } | null>;
};

/** A fetched row; its `measure` is null until update.ts resolves it from the definition's codes. */
export type FetchedRow = Omit<Observation, 'id' | 'revision'>;

/** A table fetched: its state, its rows, the measures newly resolved (id -> codes) and the responses as received (raw/). */
export type FetchedTable = NonNullable<Awaited<ReturnType<typeof fetchOne>>['table']>;

/**
 * The tables fetched; the warnings that did not stop the fetch (a discontinued table, a measure not found); one line on
 * what happened, starting "StatBank unreachable:" when offline, so a CI log can be searched for it.
 */
export type FetchOutcome = Awaited<ReturnType<typeof fetchTables>>;

interface FetchOptions {
  definition: Definition;
  dataset: Pick<Dataset, 'tables'>;
  client: StatbankReader;
  /** Fetch metadata and data even when `updated` is what the dataset has. */
  force?: boolean;
  now: Date;
  log?: (line: string) => void;
}

export async function fetchTables(options: FetchOptions) {
  const fetched: FetchedTable[] = [];
  const lines: string[] = [];
  const warnings: string[] = [];
  const warn = (line: string) => {
    warnings.push(line);
    options.log?.(`  ! ${line}`);
  };
  try {
    for (const { id } of options.definition.tables) {
      const step = await fetchOne(id, options, warn);
      lines.push(`${id}: ${step.line}`);
      if (step.table) fetched.push(step.table);
    }
  } catch (error) {
    if (!(error instanceof OfflineError)) throw error;
    const { code, url, why } = error.context;
    const reason =
      why === 'unavailable'
        ? `it kept failing until the retry budget ran out (${error.message.split('. ')[0]})`
        : `${code ?? 'no connection'} ${url ?? ''}`.trim();
    const message = `StatBank unreachable: ${reason}. Building from the committed data as it is; nothing was written.`;
    return { status: 'offline' as const, fetched: [], warnings, message };
  }
  return { status: fetched.length ? ('fetched' as const) : ('unchanged' as const), fetched, warnings, message: `${lines.join('; ')}.` };
}

async function fetchOne(id: string, options: FetchOptions, warn: (line: string) => void) {
  const { client, definition, log } = options;
  const stored = options.dataset.tables[id];
  const info = await client.tableInfo(id).catch((error: unknown) => {
    if (error instanceof FetchError && error.context.status === 404 && /non-existent table/i.test(error.context.title ?? '')) return null;
    throw error;
  });
  if (!info) return { line: 'not published (StatBank answers 404 Non-existent table)' };
  if (info.discontinued === true) {
    const successor = await client.successorOf?.(info).catch(() => null);
    const replaced = successor ? `; it is replaced by table ${successor.id} (${successor.label}): add it to the definition` : '';
    warn(`table ${id} is discontinued at StatBank${replaced}`);
  }
  // `updated` null (PxWebApi v1 doesn't say) is never "the same": fetch, and let the update find no change.
  if (info.updated !== null && stored?.updated === info.updated && !options.force) return { line: `unchanged since ${info.updated}` };

  const metaNo = await client.metadata(id, 'no');
  const meta = parseJsonStat(metaNo.body, { table: id, origin: metaNo.url });
  const metaEn = await client
    .metadata(id, 'en')
    .then((res) => ({ text: res.text, ds: parseJsonStat(res.body, { table: id, origin: res.url }) }))
    .catch((error: unknown) => {
      if (error instanceof OfflineError) throw error;
      const why = (error as Error).message.split('. ')[0];
      warn(`table ${id}: no English labels (${why}); English editions name its categories by the definition's words or SSB's Norwegian labels`);
      return null;
    });
  const shape = readShape(meta);
  const state = tableState(id, info, meta, metaEn?.ds ?? null, shape, options.now);
  const resolution = resolveMeasures(definition, id, measures(shape), state.dimensions);
  const problems = [...(stored ? sinceLastFetch(stored, state) : []), ...resolution.problems];
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
  const selection = meta.dimensions.map((d) => ({ variableCode: d.id, valueCodes: ['*'] }));
  const responses = await client.data(id, selection, { dimensionSizes });
  const datasets = responses.map((res) => parseJsonStat(res.body, { table: id, origin: res.url }));
  const updated = info.updated ?? datasets.map((ds) => ds.updated).find((u) => u) ?? meta.updated ?? null;
  state.updated = updated;
  const { rows, unmarked } = rowsOf(state, shape, datasets, responses);
  if (unmarked) warn(`table ${id}: ${unmarked} cell(s) came without a figure or a known symbol; left out (never counted as 0)`);
  log?.(`  StatBank ${id}: ${rows.length} figures, updated ${updated ?? 'not given'}, ${responses.length} data request(s)`);
  const raw = [
    { name: 'table-info.json', text: `${JSON.stringify(info.raw, null, 2)}\n` },
    { name: 'metadata-no.json', text: metaNo.text },
    ...(metaEn ? [{ name: 'metadata-en.json', text: metaEn.text }] : []),
    ...responses.map((res, i) => ({ name: `data-${i + 1}.json`, text: res.text })),
  ];
  const resolved = Object.fromEntries(resolution.newly.map((m) => [m, resolution.codes[m]!]));
  return { line: `fetched (updated ${updated ?? 'not given'})`, table: { id, state, rows, resolved, raw } };
}

/** What the fetch learnt of a table: SSB's labels in Norwegian and, where StatBank gave them, English. */
function tableState(id: string, info: TableInfo, meta: JsonStatDataset, metaEn: JsonStatDataset | null, shape: TableShape, now: Date): TableState {
  const english = new Map(metaEn?.dimensions.map((d) => [d.id, d]) ?? []);
  const labels = (no: string, en: string | null | undefined): Labels => (en ? { no, en } : { no });
  return {
    id,
    label: labels(info.label || meta.label || id, metaEn?.label ?? null),
    updated: info.updated,
    fetchedAt: now.toISOString(),
    classification: shape.classification,
    dimensions: shape.dims.map((d) => {
      const enLabel = new Map(english.get(d.id)?.categories.map((c) => [c.code, c.label]) ?? []);
      return {
        id: d.id,
        role: d.role,
        label: labels(d.label, english.get(d.id)?.label),
        categories: d.codes.map((c) => ({ code: c.code, label: labels(c.label, enLabel.get(c.code)) })),
      };
    }),
    notes: meta.notes.filter((n) => n.mandatory || meta.notes.length <= 4).map((n) => n.text),
    discontinued: info.discontinued,
  };
}

/** The data responses' cells as rows; `unmarked` counts the cells left out (no figure and no symbol of SSB's). */
function rowsOf(state: TableState, shape: TableShape, datasets: JsonStatDataset[], responses: { url: string }[]): { rows: FetchedRow[]; unmarked: number } {
  const { id, updated } = state;
  const rows: FetchedRow[] = [];
  let unmarked = 0;
  for (const [i, ds] of datasets.entries()) {
    const missing = state.dimensions.find((dim) => !ds.dimensions.some((d) => d.id === dim.id));
    if (missing) {
      throw new FetchError(`The data StatBank sent for table ${id} has no dimension "${missing.id}", which its metadata has. Nothing was written.`, {
        table: id,
        url: responses[i]!.url,
        reason: 'malformed',
      });
    }
    for (const cell of cellsOf(ds)) {
      const known = cell.status === null || (statusSymbols as readonly string[]).includes(cell.status);
      // A cell without a figure and without SSB's reason for it is left out, never counted as 0.
      if (cell.value === null && (!known || cell.status === null || cell.status === '*')) {
        unmarked++;
        continue;
      }
      const codes = Object.fromEntries(state.dimensions.map((d) => [d.id, cell.codes[d.id]!]));
      const period = codes[shape.time]!;
      if (!/^\d{4}/.test(period)) {
        throw new FetchError(`Table ${id} has the time code "${period}", which doesn't start with a year. Nothing was written.`, {
          table: id,
          reason: 'malformed',
        });
      }
      rows.push({
        table: id,
        article: null,
        period,
        year: Number(period.slice(0, 4)),
        measure: null, // the update sets it from the definition's codes, newly resolved ones too
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
  return { rows, unmarked };
}

/** What makes old and new rows disagree: a dimension gone, new or with another role, or a stored code gone (new codes are fine). */
function sinceLastFetch(stored: TableState, now: TableState): string[] {
  const current = new Map(now.dimensions.map((d) => [d.id, d]));
  const list = (cs: { code: string; label: Labels }[]) => cs.map((c) => `"${c.code}" (${c.label.no})`).join(', ');
  const problems = stored.dimensions.flatMap((before) => {
    const after = current.get(before.id);
    if (!after) return [`dimension ${before.id} (${before.label.no}) is gone${current.size ? `; it now has ${[...current.keys()].join(', ')}` : ''}`];
    const role = after.role === before.role ? [] : [`dimension ${before.id} was read as ${before.role} and now as ${after.role}`];
    const codes = new Set(after.categories.map((c) => c.code));
    const known = new Set(before.categories.map((c) => c.code));
    const gone = before.categories.filter((c) => !codes.has(c.code));
    const added = after.categories.filter((c) => !known.has(c.code));
    if (!gone.length) return role;
    return [...role, `${before.id} ${list(gone)} ${gone.length === 1 ? 'is' : 'are'} gone${added.length ? `; new: ${list(added)}` : ''}`];
  });
  const storedIds = new Set(stored.dimensions.map((d) => d.id));
  return [...problems, ...now.dimensions.filter((d) => !storedIds.has(d.id)).map((d) => `dimension ${d.id} (${d.label.no}) is new`)];
}

/** The date in Oslo of an ISO time (SSB publishes at 08:00 Oslo time, 06:00 or 07:00 UTC). */
function osloDate(iso: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}
