import { open, type FileHandle } from 'node:fs/promises';
import type { Hash } from 'node:crypto';
import { s, type Infer } from './schema.js';
import { DatasetError } from '../errors.js';

/**
 * The dataset in data/: one tidy observation per row, the same form whether it was built from SSB's published
 * articles or fetched from StatBank. A figure published twice with different values is kept twice; the one
 * with the higher `revision` is the current value, the earlier ones are its history.
 */

/** SSB's status symbols: `.` not applicable, `..` missing or too uncertain, `:` confidential, `-` true zero, `*` provisional. */
export const statusSymbols = ['.', '..', ':', '-', '*'] as const;
export type StatusSymbol = (typeof statusSymbols)[number];

const yearString = s.string().regex(/^\d{4}-\d{2}-\d{2}/, 'a date as YYYY-MM-DD');
/** What the file's `sources` list takes: scheme://something, no spaces. */
const sourcePattern = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;
/** A source URL as the schema (and so the row check) understands it: one the `sources` list can hold. */
const sourceUrl = s.string().regex(sourcePattern, 'a URL (in the file: the index of one of `sources`)').url('a URL (in the file: the index of one of `sources`)');

const yearRange = 'a year between 1990 and 2100';

export const observationSchema = s
  .object({
    measure: s.string().regex(/^[a-z][a-z0-9_]*$/, 'a measure id such as social_networks'),
    year: s.number().int(yearRange).min(1990, yearRange).max(2100, yearRange),
    sizeClass: s.string().regex(/^\d{2}$/, 'a SyssGrpIKT code such as 00 or 05'),
    industry: s.string().min(1, 'a NACE2007/SN2025 code such as Total+K'),
    value: s.number().min(0, 'a number ≥ 0, or null').nullable(),
    status: s.oneOf(statusSymbols).nullable(),
    unit: s.oneOf(['percent']),
    series: s.oneOf(['SN2007', 'SN2025']),
    table: s.string().regex(/^\d{5}$/, 'a five-digit table id, or null').nullable(),
    source: sourceUrl,
    published: yearString.nullable(),
    revision: s.number().int('a whole number ≥ 0').min(0, 'a whole number ≥ 0'),
    note: s.string().optional(),
  })
  .strict()
  .refine((o) => o.value !== null || (o.status !== null && o.status !== '*'), {
    message: 'a missing value (null) needs its SSB status symbol (".", "..", ":" or "-")',
    path: ['status'],
  });
export type Observation = Infer<typeof observationSchema>;

export const tableStateSchema = s.object({
  id: s.string(),
  series: s.oneOf(['SN2007', 'SN2025']),
  label: s.string(),
  updated: s.string().nullable(),
  fetchedAt: s.string(),
  notes: s.array(s.string()).default([]),
});
export type TableState = Infer<typeof tableStateSchema>;

/**
 * The file's columns, in order. Each observation is one line: a JSON array of these values, with `source` as an
 * index into the file's `sources` list (the same few URLs stand behind thousands of rows) and `note` only when
 * there is one. Compact enough that a million observations load and save in about a second.
 */
export const datasetColumns = [
  'measure', 'year', 'sizeClass', 'industry', 'value', 'status', 'unit', 'series', 'table', 'source', 'published', 'revision', 'note',
] as const;

const datasetFormat = 'ssb-briefing/dataset@2';

const headerSchema = s
  .object({
    format: s.literal(datasetFormat),
    title: s.string(),
    provenance: s.object({ builtFrom: s.string(), description: s.string(), licence: s.string() }),
    tables: s.record(s.string(), tableStateSchema),
    columns: s.tuple(datasetColumns.map((c) => s.literal(c))),
    sources: s.array(s.string().regex(sourcePattern, 'a URL')),
    observations: s.array(s.unknown()),
  })
  .strict();

export interface Dataset {
  format: typeof datasetFormat;
  title: string;
  provenance: { builtFrom: string; description: string; licence: string };
  tables: Record<string, TableState>;
  observations: Observation[];
}

/** Identity of a figure, independent of its revision. */
export function observationKey(o: Pick<Observation, 'measure' | 'year' | 'sizeClass' | 'industry' | 'series'>): string {
  return `${o.series}|${o.measure}|${o.year}|${o.sizeClass}|${o.industry}`;
}

/** Everything in the file but its rows. */
export type DatasetHeader = Omit<Dataset, 'observations'> & { sources: string[] };

/** Check a parsed document's header (its `observations` must be an array; its rows are not looked at). */
export function validateHeader(document: unknown, file: string): DatasetHeader & { observations: unknown[] } {
  const header = headerSchema.safeParse(document);
  if (!header.success) {
    const issue = header.error.issues[0]!;
    throw new DatasetError(
      `${file}: ${issue.path.join('.') || 'document'}: ${issue.message}. Fix the file or restore it with ` +
        `\`git checkout -- ${file}\`; nothing was rendered.`,
      { path: file },
    );
  }
  const { format, title, provenance, tables, sources, observations } = header.data;
  return { format, title, provenance, tables, sources, observations };
}

/** Check a parsed document; errors name the file, the row (1-based observation number) and the field. */
export function validateDataset(document: unknown, file: string): Dataset {
  const header = validateHeader(document, file);
  const { sources } = header;
  const rows = header.observations;
  const observations: Observation[] = new Array(rows.length);
  const seen = new Set<string>();
  const isUrl = sourceChecker();
  const seenTexts: SeenTexts = {};
  for (let index = 0; index < rows.length; index++) {
    const line = rows[index];
    if (!Array.isArray(line) || line.length < 12 || line.length > 13) {
      throw new DatasetError(
        `${file}: row ${index + 1}: expected an array of ${datasetColumns.length - 1} or ${datasetColumns.length} values (${datasetColumns.join(', ')}). ` +
          `Fix that row or restore the file with \`git checkout -- ${file}\`; nothing was rendered.`,
        { path: file, row: index + 1 },
      );
    }
    const row = rowObject(line, sources);
    const problem = checkObservation(row, isUrl, seenTexts);
    if (problem) {
      // The fast check found something: let the schema say it in its words when it agrees, else use the fast check's.
      const parsed = observationSchema.safeParse(row);
      const issue = parsed.success ? null : parsed.error.issues[0]!;
      const field = issue ? issue.path.join('.') || '(row)' : problem.field;
      const message = issue ? issue.message : problem.message;
      throw new DatasetError(
        `${file}: row ${index + 1}, field "${field}": ${message}. Fix that row or restore the file with ` +
          `\`git checkout -- ${file}\`; nothing was rendered.`,
        { path: file, row: index + 1, field },
      );
    }
    const o = row as Observation;
    const id = `${observationKey(o)}|${o.revision}`;
    if (seen.has(id)) {
      throw new DatasetError(
        `${file}: row ${index + 1}: a second row for ${observationKey(o)} with revision ` +
          `${o.revision}. Give the later figure a higher revision number or remove the duplicate.`,
        { path: file, row: index + 1 },
      );
    }
    seen.add(id);
    observations[index] = o;
  }
  const { format, title, provenance, tables } = header;
  return { format, title, provenance, tables, observations };
}

/** An observation from its line (not checked); `source` is looked up in the file's list, undefined when the index is bad. */
export function rowObject(line: unknown[], sources: readonly string[]): Record<string, unknown> {
  const sourceIndex = line[9];
  const source = typeof sourceIndex === 'number' && Number.isInteger(sourceIndex) ? sources[sourceIndex] : undefined;
  const row: Record<string, unknown> = {
    measure: line[0], year: line[1], sizeClass: line[2], industry: line[3], value: line[4], status: line[5], unit: line[6],
    series: line[7], table: line[8], source, published: line[10], revision: line[11],
  };
  if (line.length === 13) row.note = line[12];
  return row;
}

/** The row rules' patterns (checkObservation here, the byte-level reader in dataset-index.ts). */
export const measurePattern = /^[a-z][a-z0-9_]*$/;
export const sizePattern = /^\d{2}$/;
export const tablePattern = /^\d{5}$/;
export const datePattern = /^\d{4}-\d{2}-\d{2}/;
const observationFields = new Set(['measure', 'year', 'sizeClass', 'industry', 'value', 'status', 'unit', 'series', 'table', 'source', 'published', 'revision', 'note']);

/**
 * Whether a source is a URL, by the schema's own rule (its url check), each distinct text asked once: a file
 * has a handful of sources behind all its rows.
 */
export function sourceChecker(): (text: string) => boolean {
  const verdicts = new Map<string, boolean>();
  return (text) => {
    let ok = verdicts.get(text);
    if (ok === undefined) verdicts.set(text, (ok = sourceUrl.safeParse(text).success));
    return ok;
  };
}

/**
 * The same rules as `observationSchema`, written out so a million rows check in well under a second (the schema takes
 * about ten times as long). Returns the first problem, or null. `observationSchema` stays the contract, and the
 * tests check the two agree (test/dataset-fuzz.test.ts on seeded mutations too). `isUrl` may memoise the source
 * check for a whole file.
 */
export function checkObservation(row: unknown, isUrl: (text: string) => boolean = sourceChecker(), seen: SeenTexts = {}): { field: string; message: string } | null {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return { field: '(row)', message: 'expected an object' };
  const o = row as Record<string, unknown>;
  for (const key in o) if (!observationFields.has(key)) return { field: key, message: `unknown field "${key}"` };
  if (typeof o.measure !== 'string' || (o.measure !== seen.measure && !measurePattern.test(o.measure))) return { field: 'measure', message: 'a measure id such as social_networks' };
  if (typeof o.year !== 'number' || !Number.isInteger(o.year) || o.year < 1990 || o.year > 2100) return { field: 'year', message: 'a year between 1990 and 2100' };
  if (typeof o.sizeClass !== 'string' || (o.sizeClass !== seen.sizeClass && !sizePattern.test(o.sizeClass))) return { field: 'sizeClass', message: 'a SyssGrpIKT code such as 00 or 05' };
  if (typeof o.industry !== 'string' || o.industry.length === 0) return { field: 'industry', message: 'a NACE2007/SN2025 code such as Total+K' };
  if (o.value !== null && (typeof o.value !== 'number' || !Number.isFinite(o.value) || o.value < 0)) return { field: 'value', message: 'a number ≥ 0, or null' };
  if (o.status !== null && !(statusSymbols as readonly unknown[]).includes(o.status)) return { field: 'status', message: `one of ${statusSymbols.join(' ')} or null` };
  if (o.unit !== 'percent') return { field: 'unit', message: '"percent"' };
  if (o.series !== 'SN2007' && o.series !== 'SN2025') return { field: 'series', message: '"SN2007" or "SN2025"' };
  if (o.table !== null && (typeof o.table !== 'string' || (o.table !== seen.table && !tablePattern.test(o.table)))) return { field: 'table', message: 'a five-digit table id, or null' };
  if (typeof o.source !== 'string' || !isUrl(o.source)) return { field: 'source', message: 'a URL (in the file: the index of one of `sources`)' };
  if (o.published !== null && (typeof o.published !== 'string' || (o.published !== seen.published && !datePattern.test(o.published)))) return { field: 'published', message: 'a date as YYYY-MM-DD, or null' };
  if (typeof o.revision !== 'number' || !Number.isSafeInteger(o.revision) || o.revision < 0) return { field: 'revision', message: 'a whole number ≥ 0' };
  if (o.note !== undefined && typeof o.note !== 'string') return { field: 'note', message: 'text' };
  if (o.value === null && (o.status === null || o.status === '*')) {
    return { field: 'status', message: 'a missing value (null) needs its SSB status symbol (".", "..", ":" or "-")' };
  }
  seen.measure = o.measure;
  seen.sizeClass = o.sizeClass;
  if (o.table !== null) seen.table = o.table;
  if (o.published !== null) seen.published = o.published;
  return null;
}

/** Texts of the last row that passed, whose pattern need not be tested again: rows repeat most of them. */
export interface SeenTexts {
  measure?: string;
  sizeClass?: string;
  table?: string;
  published?: string;
}

export async function loadDataset(file: string): Promise<Dataset> {
  return parseDatasetText(await readDatasetText(file), file);
}

/** The dataset file's text; a missing or unreadable file is a DatasetError saying what to do. */
export async function readDatasetText(file: string): Promise<string> {
  return (await readDatasetBytes(file)).toString('utf8');
}

/** The dataset file's bytes (for a merge, pipeline/dataset-index.ts); the same errors as readDatasetText. */
export async function readDatasetBytes(file: string): Promise<Buffer> {
  return (await readDatasetHashed(file, null)).bytes;
}

/**
 * The dataset file's bytes and, with `hash`, the sha256 of them. The file is read in 8 MiB pieces, each hashed
 * while the next is read on the thread pool: for a large file that costs little more than the read alone.
 */
export async function readDatasetHashed(file: string, hash: Hash | null): Promise<{ bytes: Buffer; sha256: string | null }> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    const bytes = Buffer.allocUnsafe(size);
    const piece = 8 << 20;
    // One piece is read on the thread pool while this thread hashes the one before.
    let reading = size > 0 ? readFully(handle, bytes, 0, Math.min(piece, size)) : null;
    for (let at = 0; reading; at += piece) {
      await reading;
      const next = at + piece;
      reading = next < size ? readFully(handle, bytes, next, Math.min(piece, size - next)) : null;
      try {
        hash?.update(bytes.subarray(at, Math.min(at + piece, size)));
      } catch (error) {
        await reading?.catch(() => undefined);
        throw error;
      }
    }
    return { bytes, sha256: hash ? hash.digest('hex') : null };
  } catch (error) {
    throw new DatasetError(
      `${file}: cannot read the dataset (${(error as NodeJS.ErrnoException).code ?? error}). ` +
        'Check --data, or restore data/ from git.',
      { path: file, cause: error },
    );
  } finally {
    await handle?.close();
  }
}

/** Read exactly `length` bytes at `position` into `into` at the same offset (a short read is continued; EOF fails). */
async function readFully(handle: FileHandle, into: Buffer, position: number, length: number): Promise<void> {
  for (let done = 0; done < length;) {
    const { bytesRead } = await handle.read(into, position + done, length - done, position + done);
    if (bytesRead === 0) throw Object.assign(new Error('the file got shorter while it was read'), { code: 'ESHORT' });
    done += bytesRead;
  }
}

export function parseDatasetText(text: string, file: string): Dataset {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new DatasetError(`${file}: not valid JSON (${(error as Error).message}). Restore it with \`git checkout -- ${file}\`.`, {
      path: file,
      cause: error,
    });
  }
  return validateDataset(document, file);
}

/** Stable text form: the header pretty-printed, then one observation per line (readable diffs in git), sorted. */
export function serializeDataset(dataset: Dataset): string {
  const sorted = [...dataset.observations].sort(compareObservations);
  const sources: string[] = [];
  const lines = new Array<string>(sorted.length);
  const row = rowWriter(sources);
  for (let i = 0; i < sorted.length; i++) lines[i] = row(sorted[i]!);
  return datasetHead(dataset, sources) + lines.join(',\n') + datasetTail;
}

/** The file up to its first row: the header and `"observations": [` with its newline. */
export function datasetHead(header: Pick<Dataset, 'title' | 'provenance' | 'tables'>, sources: readonly string[]): string {
  const head = JSON.stringify(
    { format: datasetFormat, title: header.title, provenance: header.provenance, tables: header.tables },
    null,
    2,
  ).replace(/\n}$/, '');
  const sourceLines = sources.map((url) => '    ' + JSON.stringify(url)).join(',\n');
  return `${head},\n  "columns": ${JSON.stringify(datasetColumns)},\n  "sources": [\n${sourceLines}\n  ],\n  "observations": [\n`;
}

/** The file after its last row. Rows are joined by ",\n". */
export const datasetTail = '\n  ]\n}\n';

/**
 * A function writing an observation's line (indented JSON array), with `revision` in place of its own if given;
 * a source not in `sources` is appended to it.
 */
export function rowWriter(sources: string[]): (o: Observation, revision?: number) => string {
  const sourceIndex = new Map(sources.map((url, i) => [url, i]));
  return (o, revision = o.revision) => {
    let index = sourceIndex.get(o.source);
    if (index === undefined) {
      index = sources.push(o.source) - 1;
      sourceIndex.set(o.source, index);
    }
    const values: unknown[] = [o.measure, o.year, o.sizeClass, o.industry, o.value, o.status, o.unit, o.series, o.table, index, o.published, revision];
    if (o.note !== undefined) values.push(o.note);
    return '    ' + JSON.stringify(values);
  };
}

/** Sort order of the file: by series, measure, year, size class, industry, revision (code-point order, not locale). */
export function compareObservations(a: Observation, b: Observation): number {
  return (
    compareText(a.series, b.series) ||
    compareText(a.measure, b.measure) ||
    a.year - b.year ||
    compareText(a.sizeClass, b.sizeClass) ||
    compareText(a.industry, b.industry) ||
    a.revision - b.revision
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The current figure per key: the highest revision of each. */
export function currentObservations(dataset: Pick<Dataset, 'observations'>): Observation[] {
  const latest = new Map<string, Observation>();
  for (const o of dataset.observations) {
    const key = observationKey(o);
    const seen = latest.get(key);
    if (!seen || o.revision > seen.revision) latest.set(key, o);
  }
  return [...latest.values()];
}

/** Earlier revisions of a figure, oldest first. */
export function revisionsOf(dataset: Pick<Dataset, 'observations'>, o: Observation): Observation[] {
  const key = observationKey(o);
  return dataset.observations.filter((x) => observationKey(x) === key && x.revision < o.revision).sort((a, b) => a.revision - b.revision);
}
