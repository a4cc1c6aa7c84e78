import {
  checkObservation,
  datePattern,
  measurePattern,
  observationKey,
  parseDatasetText,
  rowObject,
  serializeDataset,
  sizePattern,
  sourceChecker,
  statusSymbols,
  tablePattern,
  validateHeader,
  type DatasetHeader,
  type Observation,
} from './dataset.js';

/**
 * dataset.json read for a merge, without an object per row: each row's fields as dictionary ids and numbers in
 * typed arrays, where its text is in the file, and a hash table from a figure's identity to its current row.
 * An update of a million-row dataset then parses the file once, byte by byte, and writes the old rows back
 * as the bytes they were (pipeline/update.ts).
 *
 * The fast path reads the layout serializeDataset writes (one row per line, rows of a figure in increasing
 * revision). Rows it can't read byte by byte (an escape in a string, an unusual number, spaces) are parsed
 * one by one with JSON.parse. Anything else (another layout, an invalid row, rows out of order) goes the
 * general way: parseDatasetText, which words the error, then serializeDataset's canonical text, indexed again.
 * Both ways apply the rules of observationSchema; test/dataset-index.test.ts holds them to agree.
 */

export interface DatasetIndex {
  file: string;
  /** The text indexed: the file's bytes, or (general way) the canonical text of what the file holds. */
  bytes: Buffer;
  /** Whether the general way was taken (then `bytes` is serializeDataset's text, not the file's). */
  canonicalised: boolean;
  header: DatasetHeader;
  rows: number;
  /** The rows' region in `bytes`: from the first row's line (its indentation) to the last row's `]`. */
  rowsStart: number;
  rowsEnd: number;
  /** A figure's current row (highest revision), -1 if the dataset has none. */
  lookup(o: Pick<Observation, 'series' | 'measure' | 'year' | 'sizeClass' | 'industry'>): number;
  /** Whether row `row` has this table, value and status. */
  same(row: number, o: Pick<Observation, 'table' | 'value' | 'status'>): boolean;
  /** Current rows of every figure, in no particular order. */
  currentRows(): Int32Array;
  /** Row i as an Observation (parsed from its text; for the few rows a merge reports). */
  observation(row: number): Observation;
  table(row: number): string | null;
  value(row: number): number | null;
  status(row: number): string | null;
  revision(row: number): number;
}

/** Thrown inside this module when the fast path can't read the file; the general way takes over. */
class NotFast extends Error {}

/** Strings of one column with small integer ids, each checked once, when first seen. */
class Dictionary {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  /** FNV-1a hash of a string's bytes in the file -> id; the bytes at `at`/`length` confirm a hit. Most tokens
   * repeat the row before's, so that is compared first, before any hashing. */
  private readonly byHash = new Map<number, number>();
  private readonly at: number[] = [];
  private readonly length: number[] = [];
  private lastStart = -1;
  private lastLength = -1;
  private lastId = -1;
  private last: string | undefined;
  private lastStringId = -1;

  constructor(private readonly valid: (text: string) => boolean) {}

  /** The id of `text`, giving it one if new; -1 when the column's rule rejects it. */
  idOf(text: string): number {
    if (text === this.last) return this.lastStringId;
    let id = this.ids.get(text);
    if (id === undefined) {
      if (!this.valid(text)) return -1;
      id = this.strings.push(text) - 1;
      this.ids.set(text, id);
      this.at.push(-1);
      this.length.push(-1);
    }
    this.last = text;
    this.lastStringId = id;
    return id;
  }

  /** The id of the string whose UTF-8 bytes (no escapes) are bytes[start, end); -1 when rejected. */
  idOfBytes(bytes: Uint8Array, source: Buffer, start: number, end: number): number {
    const length = end - start;
    if (length === this.lastLength && sameBytes(bytes, this.lastStart, start, length)) return this.lastId;
    let hash = 0x811c9dc5;
    for (let k = start; k < end; k++) hash = Math.imul(hash ^ bytes[k]!, 16777619);
    let id = this.byHash.get(hash);
    if (id === undefined || this.length[id] !== length || !sameBytes(bytes, this.at[id]!, start, length)) {
      id = this.idOf(source.toString('utf8', start, end));
      if (id < 0) return -1;
      if (this.at[id] === -1) {
        this.at[id] = start;
        this.length[id] = length;
        if (!this.byHash.has(hash)) this.byHash.set(hash, id);
      }
    }
    this.lastStart = start;
    this.lastLength = length;
    this.lastId = id;
    return id;
  }
}

function sameBytes(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}

const marker = Buffer.from('\n  "observations": [\n');
const tail = Buffer.from('\n  ]\n}\n');
const pow10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Read dataset.json's bytes for a merge. Invalid files throw the DatasetError parseDatasetText would. */
export function indexDataset(bytes: Buffer, file: string): DatasetIndex {
  try {
    return fastIndex(bytes, file, false);
  } catch (error) {
    if (!(error instanceof NotFast)) throw error;
  }
  const canonical = Buffer.from(serializeDataset(parseDatasetText(bytes.toString('utf8'), file)));
  try {
    return fastIndex(canonical, file, true);
  } catch (error) {
    if (error instanceof NotFast) throw new Error(`internal: serializeDataset wrote ${file} in a layout indexDataset can't read (${error.message})`);
    throw error;
  }
}

/**
 * Only the header of dataset.json (tables, sources, ...), for a step that needs no figure: the rows are not
 * read unless the file is in another layout. Invalid headers throw the DatasetError parseDatasetText would.
 */
export function readDatasetHeader(bytes: Buffer, file: string): DatasetHeader {
  try {
    return fastHeader(bytes, file).header;
  } catch (error) {
    if (!(error instanceof NotFast)) throw error;
  }
  // Another layout: the whole check (whose errors name the row), then the header as the file has it.
  const text = bytes.toString('utf8');
  parseDatasetText(text, file);
  const { observations: _, ...header } = validateHeader(JSON.parse(text.replace(/^\uFEFF/, '')), file);
  return header;
}

function fastHeader(bytes: Buffer, file: string): { header: DatasetHeader; open: number } {
  const open = bytes.indexOf(marker);
  if (open < 0) throw new NotFast('no observations array where serializeDataset puts it');
  try {
    const { observations: _, ...header } = validateHeader(JSON.parse(bytes.toString('utf8', 0, open) + '\n  "observations": []\n}'), file);
    return { header, open };
  } catch {
    throw new NotFast('header');
  }
}

function fastIndex(bytes: Buffer, file: string, canonicalised: boolean): DatasetIndex {
  const { header, open } = fastHeader(bytes, file);
  const isUrl = sourceChecker();
  const sourceOk = header.sources.map(isUrl);
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);

  const measure = new Dictionary((s) => measurePattern.test(s));
  const sizeClass = new Dictionary((s) => sizePattern.test(s));
  const industry = new Dictionary((s) => s.length > 0);
  const status = new Dictionary((s) => (statusSymbols as readonly string[]).includes(s));
  const unit = new Dictionary((s) => s === 'percent');
  const series = new Dictionary((s) => s === 'SN2007' || s === 'SN2025');
  series.idOf('SN2007'); // ids 0 and 1, so a lookup needs no dictionary for the series
  series.idOf('SN2025');
  const table = new Dictionary((s) => tablePattern.test(s));
  const published = new Dictionary((s) => datePattern.test(s));
  const star = status.idOf('*');

  // A row takes at least 62 bytes, so this is room enough for a file written by serializeDataset.
  let capacity = Math.ceil(bytes.length / 62) + 16;
  const grow = () => (capacity *= 2);
  /** Byte ranges of the rows with a note (the only ones materialised from their text). */
  const noted = new Map<number, [number, number]>();
  let firstStart = -1;
  let lastEnd = -1;
  let cols = columns(capacity);
  let rows = 0;

  // The string token the scanner just read: bytes [tokenStart, tokenEnd).
  let tokenStart = 0;
  let tokenEnd = 0;
  /** A string without escapes at p; returns the offset after its closing quote, or -1. */
  const string = (p: number): number => {
    if (u8[p] !== 0x22) return -1;
    let k = p + 1;
    for (;; k++) {
      const c = u8[k];
      if (c === 0x22) break;
      if (c === undefined || c === 0x5c || c < 0x20) return -1;
    }
    tokenStart = p + 1;
    tokenEnd = k;
    return k + 1;
  };
  let number = 0;
  /** A non-negative JSON number of at most 15 digits, without exponent (exact as m / 10^f); -1 otherwise. */
  const numeric = (p: number): number => {
    let k = p;
    let m = 0;
    let digits = 0;
    let fraction = -1;
    for (;; k++) {
      const c = u8[k]!;
      if (c >= 0x30 && c <= 0x39) {
        m = m * 10 + (c - 0x30);
        digits++;
        if (fraction >= 0) fraction++;
      } else if (c === 0x2e && fraction < 0 && digits > 0) fraction = 0;
      else break;
    }
    if (digits === 0 || digits > 15 || fraction === 0 || u8[k] === 0x65 || u8[k] === 0x45) return -1;
    if (u8[p] === 0x30 && k > p + 1 && u8[p + 1] !== 0x2e) return -1; // a leading zero
    number = fraction > 0 ? m / pow10[fraction]! : m;
    return k;
  };
  const isNull = (p: number) => u8[p] === 0x6e && u8[p + 1] === 0x75 && u8[p + 2] === 0x6c && u8[p + 3] === 0x6c;

  const id = (d: Dictionary) => d.idOfBytes(u8, bytes, tokenStart, tokenEnd);
  /** Row `i` scanned in place from its `[` at `start`; the offset after its `]`, or -1 if it needs JSON.parse. */
  const scan = (i: number, start: number): number => {
    let p = start + 1;
    if ((p = string(p)) < 0 || (cols.measure[i] = id(measure)) < 0 || u8[p++] !== 0x2c) return -1;
    if ((p = numeric(p)) < 0 || !Number.isInteger(number) || number < 1990 || number > 2100 || u8[p++] !== 0x2c) return -1;
    cols.year[i] = number;
    if ((p = string(p)) < 0 || (cols.sizeClass[i] = id(sizeClass)) < 0 || u8[p++] !== 0x2c) return -1;
    if ((p = string(p)) < 0 || (cols.industry[i] = id(industry)) < 0 || u8[p++] !== 0x2c) return -1;
    if (isNull(p)) (cols.value[i] = NaN), (p += 4);
    else if ((p = numeric(p)) < 0) return -1;
    else cols.value[i] = number;
    if (u8[p++] !== 0x2c) return -1;
    if (isNull(p)) (cols.status[i] = -1), (p += 4);
    else if ((p = string(p)) < 0 || (cols.status[i] = id(status)) < 0) return -1;
    if (u8[p++] !== 0x2c) return -1;
    if ((p = string(p)) < 0 || id(unit) < 0 || u8[p++] !== 0x2c) return -1;
    if ((p = string(p)) < 0 || (cols.series[i] = id(series)) < 0 || u8[p++] !== 0x2c) return -1;
    if (isNull(p)) (cols.table[i] = -1), (p += 4);
    else if ((p = string(p)) < 0 || (cols.table[i] = id(table)) < 0) return -1;
    if (u8[p++] !== 0x2c) return -1;
    if ((p = numeric(p)) < 0 || !Number.isInteger(number) || !sourceOk[number] || u8[p++] !== 0x2c) return -1;
    cols.source[i] = number;
    if (isNull(p)) (cols.published[i] = -1), (p += 4);
    else if ((p = string(p)) < 0 || (cols.published[i] = id(published)) < 0) return -1;
    if (u8[p++] !== 0x2c) return -1;
    if ((p = numeric(p)) < 0 || !Number.isInteger(number)) return -1;
    cols.revision[i] = number;
    cols.note[i] = u8[p] === 0x2c ? 1 : 0;
    if (u8[p] === 0x2c && (p = string(p + 1)) < 0) return -1; // the note: any string
    if (u8[p] !== 0x5d) return -1;
    return Number.isNaN(cols.value[i]!) && (cols.status[i] === -1 || cols.status[i] === star) ? -1 : p + 1;
  };

  /** Row `i` parsed with JSON.parse and checked by checkObservation, the rules themselves; false if it breaks one. */
  const parse = (i: number, start: number, end: number): boolean => {
    let line: unknown;
    try {
      line = JSON.parse(bytes.toString('utf8', start, end));
    } catch {
      return false;
    }
    if (!Array.isArray(line) || line.length < 12 || line.length > 13) return false;
    const row = rowObject(line, header.sources);
    if (checkObservation(row, isUrl) !== null) return false;
    const o = row as Observation;
    cols.measure[i] = measure.idOf(o.measure);
    cols.year[i] = o.year;
    cols.sizeClass[i] = sizeClass.idOf(o.sizeClass);
    cols.industry[i] = industry.idOf(o.industry);
    cols.value[i] = o.value === null ? NaN : o.value;
    cols.status[i] = o.status === null ? -1 : status.idOf(o.status);
    cols.series[i] = series.idOf(o.series);
    cols.table[i] = o.table === null ? -1 : table.idOf(o.table);
    cols.source[i] = line[9] as number;
    cols.published[i] = o.published === null ? -1 : published.idOf(o.published);
    cols.revision[i] = o.revision;
    cols.note[i] = o.note === undefined ? 0 : 1;
    return true;
  };

  // Rows: `    [..]` lines joined by ",\n", then the tail. An empty array is one empty line.
  let p = open + marker.length;
  const rowsStart = p;
  if (u8[p] !== 0x0a) {
    for (;;) {
      if (u8[p] !== 0x20 || u8[p + 1] !== 0x20 || u8[p + 2] !== 0x20 || u8[p + 3] !== 0x20 || u8[p + 4] !== 0x5b) throw new NotFast('layout');
      const start = p + 4;
      if (rows === capacity) {
        grow();
        cols = resizeColumns(cols, capacity);
      }
      let end = scan(rows, start);
      if (end < 0) {
        end = start;
        while (end < u8.length && u8[end] !== 0x0a) end++;
        if (u8[end - 1] === 0x2c) end--;
        if (!parse(rows, start, end)) throw new NotFast(`row ${rows + 1}`);
      }
      if (cols.note[rows] === 1) noted.set(rows, [start, end]);
      if (rows === 0) firstStart = start;
      lastEnd = end;
      rows++;
      const comma = u8[end] === 0x2c;
      p = comma ? end + 1 : end;
      if (u8[p] !== 0x0a) throw new NotFast('layout');
      p++;
      if (!comma) break;
    }
    p--; // the tail starts with the newline after the last row
  }
  const rowsEnd = rows > 0 ? lastEnd : rowsStart;
  if (bytes.length - p !== tail.length || bytes.compare(tail, 0, tail.length, p) !== 0) throw new NotFast('tail');

  const slots = keyTable(rows, cols);
  const observation = (row: number): Observation => {
    if (cols.note[row] === 1) {
      const [start, end] = noted.get(row)!;
      const line = JSON.parse(bytes.toString('utf8', start, end)) as unknown[];
      return rowObject(line, header.sources) as Observation;
    }
    const v = cols.value[row]!, st = cols.status[row]!, t = cols.table[row]!, pub = cols.published[row]!;
    return {
      measure: measure.strings[cols.measure[row]!]!, year: cols.year[row]!, sizeClass: sizeClass.strings[cols.sizeClass[row]!]!,
      industry: industry.strings[cols.industry[row]!]!, value: Number.isNaN(v) ? null : v, status: st === -1 ? null : (status.strings[st] as Observation['status']),
      unit: 'percent', series: series.strings[cols.series[row]!] as Observation['series'], table: t === -1 ? null : table.strings[t]!,
      source: header.sources[cols.source[row]!]!, published: pub === -1 ? null : published.strings[pub]!, revision: cols.revision[row]!,
    };
  };
  return {
    file, bytes, canonicalised, header, rows, rowsStart: rows > 0 ? firstStart - 4 : rowsStart, rowsEnd,
    lookup(o) {
      const s = o.series === 'SN2007' ? 0 : o.series === 'SN2025' ? 1 : -1;
      const m = measure.idOf(o.measure);
      const z = sizeClass.idOf(o.sizeClass);
      const ind = industry.idOf(o.industry);
      if (s < 0 || m < 0 || z < 0 || ind < 0) return -1;
      return slots.find(s, m, o.year, z, ind);
    },
    same(row, o) {
      const t = o.table === null ? -1 : table.idOf(o.table);
      const st = o.status === null ? -1 : status.idOf(o.status);
      return slots.same(row, t, st, o.value === null ? NaN : o.value);
    },
    currentRows: () => slots.rows(),
    observation,
    table: (row) => (cols.table[row] === -1 ? null : table.strings[cols.table[row]!]!),
    value: (row) => (Number.isNaN(cols.value[row]) ? null : cols.value[row]!),
    status: (row) => (cols.status[row] === -1 ? null : status.strings[cols.status[row]!]!),
    revision: (row) => cols.revision[row]!,
  };
}

type Columns = ReturnType<typeof columns>;
function columns(n: number) {
  return {
    series: new Int8Array(n), measure: new Int32Array(n), year: new Int16Array(n), sizeClass: new Int8Array(n) /* two digits: ids < 100 */, industry: new Int32Array(n),
    value: new Float64Array(n), status: new Int8Array(n), table: new Int32Array(n), revision: new Float64Array(n),
    source: new Int32Array(n), published: new Int32Array(n), note: new Uint8Array(n),
  };
}
function resize<T extends Int8Array | Uint8Array | Int16Array | Int32Array | Float64Array>(array: T, n: number): T {
  const next = new (array.constructor as new (n: number) => T)(n);
  next.set(array);
  return next;
}
function resizeColumns(cols: Columns, n: number): Columns {
  return Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, resize(v, n)])) as Columns;
}

/**
 * Open addressing from a figure's identity to its current row. A slot is 16 bytes: the row (+1; 0 is empty)
 * and the identity packed in three numbers (measure and series; year and size class; industry), so a probe
 * reads one slot and no column. A figure's rows must come in increasing revision; otherwise (or a repeated
 * revision) NotFast, and the general way sorts the rows or reports the duplicate.
 */
function keyTable(rows: number, { series, measure, year, sizeClass, industry, revision, table, status, value }: Columns) {
  let size = 16;
  while (size < rows * 2) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size * 4); // [row + 1, measure * 2 + series, (year - 1990) * 128 + size class, industry]
  const hash = (a: number, b: number, c: number) => {
    let h = Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca6b) ^ Math.imul(c + 1, 0xc2b2ae35);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & mask;
  };
  let used = 0;
  for (let i = 0; i < rows; i++) {
    const a = measure[i]! * 2 + series[i]!, b = (year[i]! - 1990) * 128 + sizeClass[i]!, c = industry[i]!;
    for (let p = hash(a, b, c) * 4; ; p = (p + 4) & (mask * 4)) {
      const r = slots[p]! - 1;
      if (r === -1) {
        slots[p] = i + 1;
        slots[p + 1] = a;
        slots[p + 2] = b;
        slots[p + 3] = c;
        used++;
        break;
      }
      if (slots[p + 1] === a && slots[p + 2] === b && slots[p + 3] === c) {
        if (!(revision[i]! > revision[r]!)) throw new NotFast('revisions out of order');
        slots[p] = i + 1;
        break;
      }
    }
  }
  return {
    /** The current row of a figure, or -1. */
    find(s: number, m: number, y: number, z: number, ind: number): number {
      if (z >= 128 || y < 1990 || y > 2100) return -1;
      const a = m * 2 + s, b = (y - 1990) * 128 + z;
      for (let p = hash(a, b, ind) * 4; ; p = (p + 4) & (mask * 4)) {
        const r = slots[p]! - 1;
        if (r === -1 || (slots[p + 1] === a && slots[p + 2] === b && slots[p + 3] === ind)) return r;
      }
    },
    /** Whether row r has this table, status and value (ids as in the columns; NaN for null). */
    same: (r: number, t: number, st: number, v: number) =>
      table[r] === t && status[r] === st && (value[r] === v || (v !== v && value[r] !== value[r])),
    rows(): Int32Array {
      const out = new Int32Array(used);
      let k = 0;
      for (let p = 0; p < slots.length; p += 4) if (slots[p] !== 0) out[k++] = slots[p]! - 1;
      return out;
    },
  };
}

/** For tests: the current observation of every figure, by the index, keyed as observationKey does. */
export function currentByIndex(index: DatasetIndex): Map<string, Observation> {
  const out = new Map<string, Observation>();
  for (const row of index.currentRows()) {
    const o = index.observation(row);
    out.set(observationKey(o), o);
  }
  return out;
}
