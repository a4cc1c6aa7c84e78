import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import type { Dataset, Definition, Observation, TableState } from '../briefing/model.js';
import { DatasetError } from '../errors.js';
import { errorCode } from '../io/atomic.js';
import { firstIssue, parseJsonText } from '../io/json-file.js';
import { datasetColumns, datasetHeaderSchema, rowSchema } from './schemas.js';

/**
 * data/<briefing>/dataset.json: every figure the briefing may use, one per line, read once per run into plain objects.
 * The current figure of a row's identity is its highest revision; earlier revisions are kept. Rows are written in the
 * order held (an update appends its own), so `git diff data/` shows what a fetch added.
 */

export const datasetFile = 'dataset.json';

/** The identity of a row, whatever its revision: its table and codes, or its article, measure and key codes. */
export function identityOf(o: Pick<Observation, 'table' | 'article' | 'codes' | 'measure' | 'period' | 'size' | 'industry'>): string {
  if (o.table !== null && o.codes) return `${o.table}/${Object.values(o.codes).join('/')}`;
  return `a${o.article}/${o.measure}/${o.period}/${o.size ?? '-'}/${o.industry ?? '-'}`;
}

/** The row's id in claims and the HTML: its identity, with `#r<n>` for a revision after the first. */
export function observationId(o: Parameters<typeof identityOf>[0] & { revision: number }): string {
  return o.revision === 0 ? identityOf(o) : `${identityOf(o)}#r${o.revision}`;
}

/** For each table, its measure dimensions and their codes (joined) -> the definition's measure id. */
export function measureIndex(definition: Pick<Definition, 'measures'>, tables: Record<string, Pick<TableState, 'dimensions'>>) {
  const index = new Map<string, { dims: string[]; byCodes: Map<string, string> }>();
  for (const [id, table] of Object.entries(tables)) {
    const dims = table.dimensions.filter((d) => d.role === 'measure').map((d) => d.id);
    const byCodes = new Map<string, string>();
    for (const m of definition.measures) {
      const codes = m.codes?.[id];
      if (codes && dims.every((d) => codes[d] !== undefined)) byCodes.set(dims.map((d) => codes[d]).join('\u0000'), m.id);
    }
    index.set(id, { dims, byCodes });
  }
  return index;
}

/** The measure of a table row, by the definition's recorded codes; null when the definition doesn't use it. */
export function measureOf(index: ReturnType<typeof measureIndex>, table: string, codes: Record<string, string>): string | null {
  const entry = index.get(table);
  if (!entry) return null;
  return entry.byCodes.get(entry.dims.length === 1 ? codes[entry.dims[0]!]! : entry.dims.map((d) => codes[d]).join('\u0000')) ?? null;
}

/** Check a dataset file's text and read it into plain objects; an error names the file, the row (1-based) and the field. */
export function parseDataset(text: string, file: string, definition: Definition): Dataset {
  const advice = `Fix the file or restore it with \`git checkout -- ${file}\`; nothing was rendered.`;
  const problem = (message: string, context: { row?: number; field: string }) => new DatasetError(`${file}: ${message}. ${advice}`, { path: file, ...context });
  const parsed = parseJsonText(text, file, datasetHeaderSchema, { advice, fail: (message, context) => new DatasetError(message, context) });
  const { columns, observations: lines, ...header } = parsed;
  const { tables, articles, codelists, findings } = header;
  const measures = new Set(definition.measures.map((m) => m.id));
  /** Each table's dimensions with their codes (pairs in an array: a Map's entries would allocate for every row). */
  const categories = new Map<string, { dim: string; codes: Set<string> }[]>();
  for (const [id, t] of Object.entries(tables)) {
    if (t.id !== id) throw problem(`tables.${id}.id is "${t.id}"`, { field: `tables.${id}.id` });
    const dims = t.dimensions.map((d) => ({ dim: d.id, codes: new Set(d.categories.map((c) => c.code)) }));
    categories.set(id, dims);
  }
  const listed = new Map(Object.entries(codelists).map(([role, list]) => [role, new Set(list.map((c) => c.code))]));
  const index = measureIndex(definition, tables);
  const fail = (row: number, field: string, message: string): never => {
    throw problem(`row ${row}, field "${field}": ${message}`, { row, field });
  };
  const seen = new Set<string>();
  const observations: Observation[] = lines.map((line, i) => {
    const n = i + 1;
    if (!Array.isArray(line) || line.length !== datasetColumns.length) {
      return fail(n, '(row)', `expected an array of ${datasetColumns.length} values (${datasetColumns.join(', ')})`);
    }
    const parsed = v.safeParse(rowSchema, rowObject(line));
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.issues);
      const input = parsed.issues[0]!.input;
      const shown = input === undefined ? '' : JSON.stringify(input);
      return fail(n, field, shown ? `${message} (the row has ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown})` : message);
    }
    const r = parsed.output;
    if (r.value === null && (r.status === null || r.status === '*'))
      fail(n, 'status', 'a missing figure (value null) needs SSB\'s symbol for why (".", "..", ":" or "-")');
    let measure: string | null;
    if (r.table !== null) {
      const dims = categories.get(r.table) ?? fail(n, 'table', `table ${r.table} is not described in "tables"`);
      if (r.article !== null) fail(n, 'article', 'a table row has no article');
      if (!r.codes) return fail(n, 'codes', 'a table row keeps every code of its cell');
      for (let k = 0; k < dims.length; k++) {
        const { dim, codes } = dims[k]!;
        const code = r.codes[dim];
        if (code === undefined) fail(n, `codes.${dim}`, `the row has no code for table ${r.table}'s dimension ${dim}`);
        if (!codes.has(code!)) fail(n, `codes.${dim}`, `"${code}" is not a code of ${dim} in table ${r.table}'s metadata`);
      }
      if (Object.keys(r.codes).length !== dims.length) fail(n, 'codes', `the row has codes for dimensions table ${r.table} does not have`);
      measure = measureOf(index, r.table, r.codes);
      if (r.measure !== null && r.measure !== measure)
        fail(n, 'measure', `"${r.measure}" is not what the definition's codes make of the row (${measure ?? 'no measure'})`);
    } else {
      if (r.article === null || !articles[r.article]) fail(n, 'article', `an article row needs the index of one of the ${articles.length} "articles"`);
      if (r.codes !== null) fail(n, 'codes', 'an article row has no codes (null)');
      if (r.measure === null || !measures.has(r.measure)) fail(n, 'measure', `"${r.measure}" is not a measure of the definition (${[...measures].join(', ')})`);
      measure = r.measure;
      if (r.size !== null && !listed.get('size')?.has(r.size)) fail(n, 'size', `"${r.size}" is not in codelists.size`);
      if (r.industry !== null && !listed.get(`industry:${r.classification}`)?.has(r.industry)) {
        fail(n, 'industry', `"${r.industry}" is not in codelists."industry:${r.classification}"`);
      }
    }
    const o: Observation = { ...r, id: '', year: Number(r.period.slice(0, 4)), measure };
    o.id = observationId(o);
    if (seen.has(o.id)) fail(n, 'revision', `a second row for ${identityOf(o)} with revision ${o.revision}: give the later figure a higher revision`);
    seen.add(o.id);
    return o;
  });
  const orphan = findings.find((f) => !articles[f.article]);
  if (orphan) throw problem(`finding ${orphan.id} names article ${orphan.article}, which "articles" does not have`, { field: 'findings' });
  return { ...header, observations };
}

/** A row's array as the object rowSchema checks (written out: building it from datasetColumns tripled the load of 100,000 rows). */
function rowObject(line: unknown[]): Record<(typeof datasetColumns)[number], unknown> {
  return {
    table: line[0],
    article: line[1],
    period: line[2],
    measure: line[3],
    size: line[4],
    industry: line[5],
    classification: line[6],
    codes: line[7],
    value: line[8],
    status: line[9],
    bound: line[10],
    published: line[11],
    revision: line[12],
    note: line[13],
  };
}

/** The file's text: the header pretty-printed, then one row per line in the order held. */
export function serializeDataset(dataset: Dataset): string {
  const { format, title, provenance, tables, articles, codelists, findings } = dataset;
  const head = JSON.stringify({ format, title, provenance, tables, articles, codelists, columns: datasetColumns, findings }, null, 2);
  // A table row's measure is not written: the definition's codes give it when the file is read.
  const rows = dataset.observations.map((o) => JSON.stringify(datasetColumns.map((c) => (c === 'measure' && o.table !== null ? null : o[c]))));
  return `${head.slice(0, -2)},\n  "observations": [\n${rows.map((r) => `    ${r}`).join(',\n')}\n  ]\n}\n`;
}

/** The dataset file's text; a missing or unreadable file is a DatasetError saying what to do. */
export async function readDatasetText(dataDir: string): Promise<string> {
  const path = join(dataDir, datasetFile);
  return readFile(path, 'utf8').catch((cause: unknown) => {
    throw new DatasetError(`${path}: cannot read the dataset (${errorCode(cause)}). Check --briefing/--data, or restore data/ from git.`, { path, cause });
  });
}
