import { JsonStatError } from '../errors.js';

/**
 * JSON-stat 2.0 datasets (what both StatBank APIs answer, also inside the v1-era wrapper `{table_id, dataset}`)
 * checked at the boundary and turned into dense, row-major arrays (the last dimension in `id` varies fastest).
 * Positions come from the numbers in `category.index`, never from key order. A missing cell is `null` with its SSB
 * status symbol, never 0. A metadata document (`value` absent or `[]`) has `hasValues: false`. Anything else that
 * breaks the format throws JsonStatError naming the origin and the field path. No object is allocated per cell.
 */

/** Upper bound on the product of `size`: StatBank serves at most 800,000 cells a request. */
export const MAX_CELLS = 10_000_000;

/** `table`: the id asked for; `origin`: URL or file path. Both for messages. */
type JsonStatSource = { table?: string; origin?: string };

export interface JsonStatNote {
  text: string;
  /** `extension.noteMandatory[i]`: SSB requires the note to be shown with the figures. */
  mandatory: boolean;
}

export interface JsonStatCategory {
  code: string;
  label: string;
  /** `label` is JSON-stat's `unit.label`, or SSB's `unit.base` (e.g. "prosent"). */
  unit?: { decimals?: number; label?: string };
}

export type JsonStatRole = 'time' | 'metric' | 'geo';

export interface JsonStatDimension {
  id: string;
  label: string;
  role: JsonStatRole | null;
  /** In position order. */
  categories: JsonStatCategory[];
  notes: JsonStatNote[];
}

export interface JsonStatDataset {
  /** `extension.px.tableid`, else the wrapper's `table_id`, else `source.table`. */
  table: string | null;
  label: string | null;
  /** As given: ISO 8601 UTC or a bare date. */
  updated: string | null;
  source: string | null;
  notes: JsonStatNote[];
  dimensions: JsonStatDimension[];
  size: number[];
  /** Product of `size`. */
  cellCount: number;
  /** False for a metadata-only document; then `values` and `statuses` are empty. */
  hasValues: boolean;
  /** Dense, row-major, length `cellCount` (or 0 when `hasValues` is false). */
  values: (number | null)[];
  statuses: (string | null)[];
  /** Tolerated oddities worth logging, such as nulls without a status symbol. */
  warnings: string[];
}

type Json = Record<string, unknown>;

const HINT =
  'The whole document was rejected and nothing was taken from it; check that the request asked for ' +
  'outputFormat=json-stat2 and fetch it again, and report the table to SSB if it persists.';

/** What a reader throws; parseJsonStat turns it into a JsonStatError naming the document. */
class Invalid extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(problem);
  }
}
function fail(path: string, problem: string): never {
  throw new Invalid(path, problem);
}

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Own properties only: a key such as "constructor" or "__proto__" must not reach Object.prototype. */
const own = (o: Json, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (isRecord(v)) return 'an object';
  return typeof v === 'number' ? String(v) : JSON.stringify(v).slice(0, 60); // JSON.stringify(Infinity) would say "null"
}

/** `dimension.Tid.category.index`, `value[5]`, `dimension."odd key"`. */
function fieldPath(base: string, k: string | number): string {
  if (typeof k === 'number') return `${base}[${k}]`;
  const name = /^[\w$+-]+$/.test(k) ? k : JSON.stringify(k);
  return base ? `${base}.${name}` : name;
}

function originName(table: string | null | undefined, origin: string | undefined): string {
  if (table && origin) return `table ${table} (${origin})`;
  return table ? `table ${table}` : (origin ?? 'an unnamed source');
}

/** Decode (BOM tolerated), parse and check a JSON-stat text; invalid or truncated JSON throws JsonStatError. */
export function parseJsonStatText(text: string | Uint8Array, source: JsonStatSource = {}): JsonStatDataset {
  const where = originName(source.table, source.origin);
  let body: string;
  try {
    body = typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: true }).decode(text);
  } catch (cause) {
    throw new JsonStatError(`JSON-stat from ${where}: the bytes are not valid UTF-8. ${HINT}`, { ...source, cause });
  }
  if (body.charCodeAt(0) === 0xfeff) body = body.slice(1);
  if (body.trim() === '') throw new JsonStatError(`JSON-stat from ${where}: the text is empty. ${HINT}`, { ...source });
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new JsonStatError(
      `JSON-stat from ${where}: the text is not valid JSON (${reason}; ${body.length} characters received, ` +
        `so the response may be truncated or not JSON at all). ${HINT}`,
      { ...source, cause },
    );
  }
  return parseJsonStat(document, source);
}

/** Check a parsed JSON-stat 2.0 dataset and convert it; see the module comment. */
export function parseJsonStat(document: unknown, source: JsonStatSource = {}): JsonStatDataset {
  // The v1-era wrapper {fetched_at, table_id, metadata, dataset}.
  const wrapper = isRecord(document) && !Object.hasOwn(document, 'class') && isRecord(own(document, 'dataset')) ? document : undefined;
  const doc = wrapper ? own(wrapper, 'dataset') : document;
  const base = wrapper ? 'dataset' : '';
  const wrapperTable = wrapper && typeof own(wrapper, 'table_id') === 'string' ? (own(wrapper, 'table_id') as string) : undefined;
  const px = isRecord(doc) && isRecord(own(doc, 'extension')) ? own(own(doc, 'extension') as Json, 'px') : undefined;
  const pxTable = isRecord(px) && typeof own(px, 'tableid') === 'string' ? (own(px, 'tableid') as string) : undefined;
  const table = pxTable || wrapperTable || source.table || null;
  try {
    const dataset = readDataset(doc, base, table);
    if (source.table && pxTable && source.table !== pxTable) dataset.warnings.unshift(`asked for table ${source.table} but the document is table ${pxTable}`);
    return dataset;
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    const path = error.path || 'document';
    const message = `JSON-stat from ${originName(source.table || table, source.origin)}: ${path}: ${error.problem}. ${HINT}`;
    throw new JsonStatError(message, { table, origin: source.origin, path });
  }
}

function readDataset(doc: unknown, base: string, table: string | null): JsonStatDataset {
  const at = (k: string | number) => fieldPath(base, k);
  if (!isRecord(doc)) fail(base, `expected a JSON object, got ${show(doc)}`);
  const cls = own(doc, 'class');
  if (cls !== 'dataset') {
    const apiError = own(doc, 'error') ?? own(doc, 'title');
    if (cls === undefined && apiError !== undefined) fail(at('class'), `is missing; this is an API error body (${show(apiError)}), not a dataset`);
    fail(at('class'), `expected "dataset", got ${show(cls)} (only single datasets are read, not collections)`);
  }
  const version = own(doc, 'version');
  if (version !== undefined && version !== '2.0') fail(at('version'), `expected "2.0", got ${show(version)}`);

  const idList = own(doc, 'id');
  if (!Array.isArray(idList) || idList.length === 0) fail(at('id'), `expected a non-empty array of dimension ids, got ${show(idList)}`);
  const ids = uniqueStrings(idList, at('id'), 'dimension id', (id) => id !== '' && id !== '__proto__');
  const size = own(doc, 'size');
  if (!Array.isArray(size)) fail(at('size'), `expected an array of category counts, got ${show(size)}`);
  if (size.length !== ids.length) fail(at('size'), `has ${size.length} entries but id lists ${ids.length} dimensions`);
  // Bounded before anything per cell is allocated.
  let cellCount = 1;
  size.forEach((n: unknown, i) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) fail(fieldPath(at('size'), i), `expected a positive integer, got ${show(n)}`);
    cellCount *= n;
    if (cellCount > MAX_CELLS) fail(at('size'), `describes more than ${MAX_CELLS} cells (StatBank serves at most 800,000 a request)`);
  });
  const roles = readRoles(own(doc, 'role'), ids, at('role'));
  const dimensionObject = own(doc, 'dimension');
  if (!isRecord(dimensionObject)) fail(at('dimension'), `expected an object keyed by dimension id, got ${show(dimensionObject)}`);
  const dimensions = ids.map((id, k) => readDimension(own(dimensionObject, id), id, k, size[k], roles.get(id) ?? null, fieldPath(at('dimension'), id)));
  return {
    table,
    label: readOptionalString(doc, 'label', base),
    updated: readOptionalString(doc, 'updated', base),
    source: readOptionalString(doc, 'source', base),
    notes: readNotes(doc, base),
    dimensions,
    size: size as number[],
    cellCount,
    ...readCells(own(doc, 'value'), own(doc, 'status'), cellCount, at('value'), at('status')),
  };
}

function readOptionalString(owner: Json, key: string, path: string): string | null {
  const v = own(owner, key);
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : fail(fieldPath(path, key), `expected a string, got ${show(v)}`);
}

/** Strings (that `ok` accepts), none twice: dimension ids or category codes. */
function uniqueStrings(list: unknown[], path: string, what: string, ok: (s: string) => boolean = () => true): string[] {
  const seen = new Set<string>();
  return list.map((s, i) => {
    if (typeof s !== 'string' || !ok(s)) fail(fieldPath(path, i), `expected a ${what}, got ${show(s)}`);
    if (seen.has(s)) fail(fieldPath(path, i), `${what} "${s}" appears twice`);
    seen.add(s);
    return s;
  });
}

function readRoles(v: unknown, ids: string[], path: string): Map<string, JsonStatRole> {
  const roles = new Map<string, JsonStatRole>();
  if (v === undefined) return roles;
  if (!isRecord(v)) fail(path, `expected an object {time, geo, metric}, got ${show(v)}`);
  for (const role of ['time', 'metric', 'geo'] as const) {
    const list = own(v, role);
    if (list === undefined) continue;
    if (!Array.isArray(list)) fail(fieldPath(path, role), `expected an array of dimension ids, got ${show(list)}`);
    list.forEach((id: unknown, i) => {
      if (typeof id !== 'string' || !ids.includes(id)) fail(fieldPath(fieldPath(path, role), i), `${show(id)} is not a dimension listed in id`);
      if (!roles.has(id)) roles.set(id, role);
    });
  }
  return roles;
}

function readDimension(v: unknown, id: string, k: number, size: number, role: JsonStatRole | null, path: string): JsonStatDimension {
  if (!isRecord(v)) fail(path, `dimension "${id}" is listed in id but ${v === undefined ? 'missing' : `is ${show(v)}`}`);
  const category = own(v, 'category');
  const cpath = fieldPath(path, 'category');
  if (!isRecord(category)) fail(cpath, `expected an object with index and label, got ${show(category)}`);
  const labels = own(category, 'label');
  if (labels !== undefined && !isRecord(labels)) fail(fieldPath(cpath, 'label'), `expected an object {code: text}, got ${show(labels)}`);
  const units = own(category, 'unit');
  if (units !== undefined && !isRecord(units)) fail(fieldPath(cpath, 'unit'), `expected an object {code: unit}, got ${show(units)}`);
  const codes = readCodes(own(category, 'index'), labels, fieldPath(cpath, 'index'));
  if (codes.length !== size) fail(fieldPath(cpath, 'index'), `has ${codes.length} categories but size[${k}] is ${size}`);
  const categories = codes.map((code): JsonStatCategory => {
    const label = labels && own(labels, code);
    if (label !== undefined && typeof label !== 'string') fail(fieldPath(fieldPath(cpath, 'label'), code), `expected a string, got ${show(label)}`);
    const unit = units && readUnit(own(units, code), fieldPath(fieldPath(cpath, 'unit'), code));
    return unit ? { code, label: label ?? code, unit } : { code, label: label ?? code };
  });
  return { id, label: readOptionalString(v, 'label', path) ?? id, role, categories, notes: readNotes(v, path) };
}
/** Category codes in position order. An object index's key order means nothing: its numbers are the positions. */
function readCodes(index: unknown, labels: Json | undefined, path: string): string[] {
  if (index === undefined) {
    const keys = labels === undefined ? [] : Object.keys(labels);
    if (keys.length !== 1) fail(path, `is missing, which is allowed only for a dimension with one category (category.label has ${keys.length})`);
    return keys;
  }
  if (Array.isArray(index)) return uniqueStrings(index, path, 'category code');
  if (!isRecord(index)) fail(path, `expected an array of codes or an object {code: position}, got ${show(index)}`);
  const keys = Object.keys(index);
  const codes = new Array<string | undefined>(keys.length).fill(undefined);
  for (const code of keys) {
    const position = index[code];
    if (typeof position !== 'number' || !Number.isInteger(position)) fail(fieldPath(path, code), `expected an integer position, got ${show(position)}`);
    if (position < 0 || position >= keys.length) fail(path, `position ${position} is out of range for ${keys.length} categories`);
    const taken = codes[position];
    if (taken !== undefined) fail(fieldPath(path, code), `position ${position} is also given to "${taken}"`);
    codes[position] = code;
  }
  return codes as string[];
}

function readUnit(v: unknown, path: string): JsonStatCategory['unit'] {
  if (v === undefined) return undefined;
  if (!isRecord(v)) fail(path, `expected an object {decimals, label}, got ${show(v)}`);
  const decimals = own(v, 'decimals');
  if (decimals !== undefined && !(typeof decimals === 'number' && Number.isInteger(decimals) && decimals >= 0 && decimals <= 20)) {
    fail(fieldPath(path, 'decimals'), `expected an integer from 0 to 20, got ${show(decimals)}`);
  }
  const label = own(v, 'label') ?? own(v, 'base');
  const labelPath = fieldPath(path, own(v, 'label') === undefined ? 'base' : 'label');
  if (label !== undefined && typeof label !== 'string') fail(labelPath, `expected a string, got ${show(label)}`);
  return { ...(decimals === undefined ? {} : { decimals: decimals as number }), ...(label === undefined ? {} : { label }) };
}

/** `note` of the dataset or a dimension at `path`, flagged by its `extension.noteMandatory`. */
function readNotes(owner: Json, path: string): JsonStatNote[] {
  const notes = own(owner, 'note');
  if (notes === undefined) return [];
  if (!Array.isArray(notes)) fail(fieldPath(path, 'note'), `expected an array of strings, got ${show(notes)}`);
  const extension = own(owner, 'extension');
  const mandatory = isRecord(extension) ? own(extension, 'noteMandatory') : undefined;
  const mandatoryPath = fieldPath(fieldPath(path, 'extension'), 'noteMandatory');
  if (mandatory !== undefined && !isRecord(mandatory)) fail(mandatoryPath, `expected an object {noteIndex: true}, got ${show(mandatory)}`);
  return notes.map((text: unknown, i) => {
    if (typeof text !== 'string') fail(fieldPath(fieldPath(path, 'note'), i), `expected a string, got ${show(text)}`);
    const flag = mandatory && own(mandatory, String(i));
    if (flag !== undefined && typeof flag !== 'boolean') fail(fieldPath(mandatoryPath, String(i)), `expected true or false, got ${show(flag)}`);
    return { text: text.replace(/\r\n?/g, '\n'), mandatory: flag === true };
  });
}

type Cells = Pick<JsonStatDataset, 'hasValues' | 'values' | 'statuses' | 'warnings'>;

function readCells(value: unknown, status: unknown, cellCount: number, vpath: string, spath: string): Cells {
  // A metadata response: no value key (v2-beta) or exactly `[]` (v2). Its status, if any, has nothing to describe.
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return { hasValues: false, values: [], statuses: [], warnings: [] };
  const values = perCell(value, cellCount, vpath, checkValue) ?? fail(vpath, `expected an array or an object {flatIndex: value}, got ${show(value)}`);
  // A string, or an array of one, applies to every cell.
  const one = typeof status === 'string' ? status : Array.isArray(status) && status.length === 1 ? status[0] : undefined;
  const statuses =
    one !== undefined || status === undefined || status === null
      ? new Array<string | null>(cellCount).fill(checkSymbol(one ?? null, spath, 0))
      : (perCell(status, cellCount, spath, checkSymbol) ?? fail(spath, `expected a string, an array or an object {flatIndex: symbol}, got ${show(status)}`));

  const first = values.findIndex((v, i) => v === null && statuses[i] === null);
  if (first < 0) return { hasValues: true, values, statuses, warnings: [] };
  const unmarked = values.filter((v, i) => v === null && statuses[i] === null).length;
  const warning = `${unmarked} of ${cellCount} cells are null without a status symbol (first at flat index ${first}); kept as missing, not 0`;
  return { hasValues: true, values, statuses, warnings: [warning] };
}

/**
 * `value` or `status`: an array of one entry per cell, or an object keyed by the row-major flat index as a canonical
 * decimal string (absent cells null); each entry checked by `read`. undefined when it is neither.
 */
function perCell<T>(input: unknown, cellCount: number, path: string, read: (v: unknown, path: string, at: string | number) => T): (T | null)[] | undefined {
  if (Array.isArray(input)) {
    if (input.length !== cellCount) fail(path, `has ${input.length} entries but size makes ${cellCount} cells`);
    return input.map((v, i) => read(v, path, i));
  }
  if (!isRecord(input)) return undefined;
  const cells = new Array<T | null>(cellCount).fill(null);
  for (const key of Object.keys(input)) {
    const i = /^(0|[1-9]\d{0,8})$/.test(key) ? Number(key) : -1;
    if (i < 0 || i >= cellCount) fail(fieldPath(path, key), `key must be a flat cell index from 0 to ${cellCount - 1}`);
    cells[i] = read(input[key], path, key);
  }
  return cells;
}

function checkValue(v: unknown, path: string, at: string | number): number | null {
  if (v === null || (typeof v === 'number' && Number.isFinite(v))) return v;
  if (typeof v === 'string') fail(fieldPath(path, at), `is the string ${show(v)}; only numbers or null are read`);
  fail(fieldPath(path, at), `expected a finite number or null, got ${show(v)}`);
}

function checkSymbol(s: unknown, path: string, at: string | number): string | null {
  if (s !== null && typeof s !== 'string') fail(fieldPath(path, at), `expected a status symbol or null, got ${show(s)}`);
  return s === '' ? null : s;
}

/** One observation per cell in row-major order (last dimension fastest); nothing for a metadata-only dataset. */
export function* observations(ds: JsonStatDataset): Generator<{ codes: Record<string, string>; value: number | null; status: string | null }, void, undefined> {
  if (!ds.hasValues) return;
  const dims = ds.dimensions;
  const position = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < ds.cellCount; i++) {
    const codes: Record<string, string> = {};
    for (let d = 0; d < dims.length; d++) codes[dims[d]!.id] = dims[d]!.categories[position[d]!]!.code;
    yield { codes, value: ds.values[i] ?? null, status: ds.statuses[i] ?? null };
    for (let d = dims.length - 1; d >= 0; d--) {
      position[d]! += 1;
      if (position[d]! < ds.size[d]!) break;
      position[d] = 0;
    }
  }
}
