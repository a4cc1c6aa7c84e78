import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from './atomic.js';
import { DatasetError } from './errors.js';

/**
 * The dataset in data/: one tidy observation per row, the same form whether it was built from SSB's published
 * articles or fetched from StatBank. A figure published twice with different values is kept twice; the one
 * with the higher `revision` is the current value, the earlier ones are its history.
 */

/** SSB's status symbols: `.` not applicable, `..` missing or too uncertain, `:` confidential, `-` true zero, `*` provisional. */
export const statusSymbols = ['.', '..', ':', '-', '*'] as const;
export type StatusSymbol = (typeof statusSymbols)[number];

const yearString = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'a date as YYYY-MM-DD');

export const observationSchema = z
  .object({
    measure: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a measure id such as social_networks'),
    year: z.number().int().min(1990).max(2100),
    sizeClass: z.string().regex(/^\d{2}$/, 'a SyssGrpIKT code such as 00 or 05'),
    industry: z.string().min(1, 'a NACE2007/SN2025 code such as Total+K'),
    value: z.number().finite().min(0).nullable(),
    status: z.enum(statusSymbols).nullable(),
    unit: z.enum(['percent']),
    series: z.enum(['SN2007', 'SN2025']),
    table: z.string().regex(/^\d{5}$/).nullable(),
    source: z.string().url(),
    published: yearString.nullable(),
    revision: z.number().int().min(0),
    note: z.string().optional(),
  })
  .strict()
  .refine((o) => o.value !== null || (o.status !== null && o.status !== '*'), {
    message: 'a missing value (null) needs its SSB status symbol (".", "..", ":" or "-")',
    path: ['status'],
  });
export type Observation = z.infer<typeof observationSchema>;

export const tableStateSchema = z.object({
  id: z.string(),
  series: z.enum(['SN2007', 'SN2025']),
  label: z.string(),
  updated: z.string().nullable(),
  fetchedAt: z.string(),
  notes: z.array(z.string()).default([]),
});
export type TableState = z.infer<typeof tableStateSchema>;

const headerSchema = z
  .object({
    format: z.literal('ssb-briefing/dataset@1'),
    title: z.string(),
    provenance: z.object({ builtFrom: z.string(), description: z.string(), licence: z.string() }),
    tables: z.record(z.string(), tableStateSchema),
    observations: z.array(z.unknown()),
  })
  .strict();

export interface Dataset {
  format: 'ssb-briefing/dataset@1';
  title: string;
  provenance: { builtFrom: string; description: string; licence: string };
  tables: Record<string, TableState>;
  observations: Observation[];
}

/** Identity of a figure, independent of its revision. */
export function observationKey(o: Pick<Observation, 'measure' | 'year' | 'sizeClass' | 'industry' | 'series'>): string {
  return `${o.series}|${o.measure}|${o.year}|${o.sizeClass}|${o.industry}`;
}

/** Check a parsed document; errors name the file, the row (1-based observation number) and the field. */
export function validateDataset(document: unknown, file: string): Dataset {
  const header = headerSchema.safeParse(document);
  if (!header.success) {
    const issue = header.error.issues[0]!;
    throw new DatasetError(
      `${file}: ${issue.path.join('.') || 'document'}: ${issue.message}. Fix the file or restore it with ` +
        `\`git checkout -- ${file}\`; nothing was rendered.`,
      { path: file },
    );
  }
  const observations: Observation[] = [];
  const seen = new Set<string>();
  header.data.observations.forEach((row, index) => {
    const parsed = observationSchema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.') || '(row)';
      throw new DatasetError(
        `${file}: row ${index + 1}, field "${field}": ${issue.message}. Fix that row or restore the file with ` +
          `\`git checkout -- ${file}\`; nothing was rendered.`,
        { path: file, row: index + 1, field },
      );
    }
    const id = `${observationKey(parsed.data)}|${parsed.data.revision}`;
    if (seen.has(id)) {
      throw new DatasetError(
        `${file}: row ${index + 1}: a second row for ${observationKey(parsed.data)} with revision ` +
          `${parsed.data.revision}. Give the later figure a higher revision number or remove the duplicate.`,
        { path: file, row: index + 1 },
      );
    }
    seen.add(id);
    observations.push(parsed.data);
  });
  return { ...header.data, observations } as Dataset;
}

export async function loadDataset(file: string): Promise<Dataset> {
  return parseDatasetText(await readDatasetText(file), file);
}

/** The dataset file's text; a missing or unreadable file is a DatasetError saying what to do. */
export async function readDatasetText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new DatasetError(
      `${file}: cannot read the dataset (${(error as NodeJS.ErrnoException).code ?? error}). ` +
        'Check --data, or restore data/ from git.',
      { path: file, cause: error },
    );
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

const observationFieldOrder: (keyof Observation)[] = [
  'measure', 'year', 'sizeClass', 'industry', 'value', 'status', 'unit', 'series', 'table', 'source', 'published', 'revision', 'note',
];

/** Stable text form: header fields pretty-printed, then one observation per line (readable diffs in git). */
export function serializeDataset(dataset: Dataset): string {
  const sorted = [...dataset.observations].sort(compareObservations);
  const rows = sorted.map((o) => {
    const ordered: Record<string, unknown> = {};
    for (const field of observationFieldOrder) if (o[field] !== undefined) ordered[field] = o[field];
    return '    ' + JSON.stringify(ordered);
  });
  const head = JSON.stringify(
    { format: dataset.format, title: dataset.title, provenance: dataset.provenance, tables: dataset.tables },
    null,
    2,
  ).replace(/\n}$/, '');
  return `${head},\n  "observations": [\n${rows.join(',\n')}\n  ]\n}\n`;
}

export function compareObservations(a: Observation, b: Observation): number {
  return (
    a.series.localeCompare(b.series) ||
    a.measure.localeCompare(b.measure) ||
    a.year - b.year ||
    a.sizeClass.localeCompare(b.sizeClass) ||
    a.industry.localeCompare(b.industry) ||
    a.revision - b.revision
  );
}

/** Validate, then replace the file whole (temp + fsync + rename). */
export async function saveDataset(file: string, dataset: Dataset): Promise<void> {
  const text = serializeDataset(dataset);
  validateDataset(JSON.parse(text), file);
  await writeFileAtomic(file, text);
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
