import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { s, type Infer } from './schema.js';
import { ConfigError, TableChangedError } from '../errors.js';
import type { JsonStatDataset } from '../statbank/jsonstat.js';
import { knownMeasures } from '../text/labels.js';
import { defaultDataDir } from '../io/paths.js';

/**
 * data/tables.json: which StatBank tables the fetch stage reads, which of their variables hold size class,
 * industry, year and measure, what to request, and which ContentsCode is which of the briefing's measures.
 * Validated once (pipeline/schema.ts) before anything is fetched; errors name the file and the field.
 *
 * Also the check that a table, as its metadata describes it now, still has everything the file names
 * (`tableMismatches`, `TableChangedError`): SSB renames variables and codes between releases.
 */

export const defaultTablesPath = join(defaultDataDir, 'tables.json');

const comment = s.union([s.string(), s.array(s.string())]).optional();
const variableCode = s.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a StatBank variable code such as SyssGrpIKT');
/** Value codes or PxWebApi expressions (`*`, `top(3)`, `from(2020)`); at least one. */
const valueCodes = s.array(s.string().min(1)).min(1, 'at least one value code or expression such as "*"');

const tableSchema = s
  .object({
    id: s.string().regex(/^\d{5}$/, 'a five-digit StatBank table id such as 10977'),
    _comment: comment,
    series: s.oneOf(['SN2007', 'SN2025']),
    label: s.string().min(1),
    /** The years the table covers; last null while it is still published. Informational. */
    years: s.object({ first: s.number().int(), last: s.number().int().nullable() }).strict(),
    dimensions: s.object({ size: variableCode, industry: variableCode, time: variableCode, contents: variableCode }).strict(),
    /** Per role; the ContentsCode values requested are always the keys of `measures`. */
    selection: s.object({ size: valueCodes, industry: valueCodes, time: valueCodes }).strict(),
    /** ContentsCode -> measure id of the briefing (pipeline/labels.ts). */
    measures: s.record(s.string().min(1), s.oneOf(knownMeasures)),
  })
  .strict()
  .superRefine((t, ctx) => {
    const dims = Object.values(t.dimensions);
    if (new Set(dims).size !== dims.length) ctx.addIssue({ path: ['dimensions'], message: 'each role needs its own variable' });
    if (Object.keys(t.measures).length === 0) ctx.addIssue({ path: ['measures'], message: 'map at least one ContentsCode' });
    const seen = new Map<string, string>();
    for (const [code, measure] of Object.entries(t.measures)) {
      const other = seen.get(measure);
      if (other) ctx.addIssue({ path: ['measures', code], message: `"${measure}" is already the measure of ${other}` });
      seen.set(measure, code);
    }
  });

const configSchema = s
  .object({ _comment: comment, statistic: s.literal('iktbrukn'), tables: s.array(tableSchema).min(1) })
  .strict()
  .superRefine((c, ctx) => {
    c.tables.forEach((t, i) => {
      if (c.tables.findIndex((u) => u.id === t.id) !== i) ctx.addIssue({ path: ['tables', i, 'id'], message: `table ${t.id} is listed twice` });
    });
  });

export type TableConfig = Infer<typeof tableSchema>;
/** `file` is where it was read from, for messages (absent when built in code). */
export type TablesConfig = Infer<typeof configSchema> & { file?: string };

/** `tables[0].measures.Wikiar` */
function fieldName(path: PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '') || '(document)';
}

/** Check a parsed tables.json; ConfigError naming the file and the field. */
export function parseTablesConfig(document: unknown, file: string): TablesConfig {
  const parsed = configSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${file}: field "${fieldName(issue.path)}": ${issue.message}. Fix the file (see its _comment) ` +
      'or restore it from git; nothing was fetched.', { path: file, field: fieldName(issue.path) });
  }
  return { ...parsed.data, file };
}

export async function loadTablesConfig(path: string = defaultTablesPath): Promise<TablesConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read the table list (${(error as NodeJS.ErrnoException).code ?? error}). ` +
      'Restore data/tables.json from git; nothing was fetched.', { path, cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message}). Fix it or restore it from git; nothing was fetched.`,
      { path, cause: error });
  }
  return parseTablesConfig(document, path);
}

const isExpression = (code: string) => /[*?()[\]]/.test(code);

/** What tables.json names that the table's metadata lacks, as phrases; [] when everything is there. Pure. */
export function tableMismatches(meta: JsonStatDataset, table: TableConfig): string[] {
  const problems: string[] = [];
  const byId = new Map(meta.dimensions.map((d) => [d.id, d]));
  for (const [role, id] of Object.entries(table.dimensions)) {
    const dim = byId.get(id);
    if (!dim) {
      problems.push(`dimension "${id}" (${role}) is missing`);
      continue;
    }
    const codes = new Set(dim.categories.map((c) => c.code));
    const wanted = role === 'contents' ? Object.keys(table.measures) : table.selection[role as keyof TableConfig['selection']];
    for (const code of wanted) {
      if (isExpression(code) || codes.has(code)) continue;
      const what = role === 'contents' ? ` (${table.measures[code]})` : '';
      problems.push(`${id} "${code}"${what} is missing`);
    }
  }
  return problems;
}

export { TableChangedError };

/** Lists what is missing and everything the table has (per dimension its codes; ContentsCode with labels). */
export function tableChangedError(meta: JsonStatDataset, table: TableConfig, problems: string[],
  where: { file?: string; dataDir: string }): TableChangedError {
  const file = where.file ?? 'data/tables.json';
  const has = meta.dimensions.map((d) =>
    d.id === table.dimensions.contents || d.role === 'metric'
      ? `  ${d.id} (${d.label}):\n${d.categories.map((c) => `    ${c.code} = "${c.label}"`).join('\n')}`
      : `  ${d.id} (${d.label}): ${d.categories.map((c) => c.code).join(', ')}`);
  return new TableChangedError(
    `Table ${table.id} at StatBank no longer matches ${file}: ${problems.join('; ')}.\n` +
      `The table has these dimensions and codes:\n${has.join('\n')}\n` +
      `Nothing was written: ${where.dataDir} was left unchanged. Update ${file} (dimensions, selection and measures of ` +
      `table ${table.id}) to the codes above and fetch again.`,
    { table: table.id, problems, path: file },
  );
}
