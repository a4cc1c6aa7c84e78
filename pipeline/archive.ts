import { createHash, hash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import type { Finding, Lang, Observation } from './briefing/model.js';
import { languages } from './briefing/model.js';
import { OutputError } from './errors.js';
import { errorCode, removeOrphanTemps, writeFileAtomic } from './io/atomic.js';
import { compileTemplate } from './render/html.js';
import { formatDate } from './text/format.js';

/**
 * Stage 4, archive: each edition in `<out>/editions/<id>/` (manifest.json written last: a folder without a valid one is
 * no edition), `<out>/index.html` listing them. The id rests on the figures: the same figures make the same edition.
 */

export const editionFiles = { html: 'briefing.html', pdf: 'briefing.pdf', claims: 'claims.json' } as const;

const isoTime = v.pipe(v.string(), v.isoTimestamp());
const isoDate = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/));

export const editionManifestSchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^\d{4}-[a-z]{2}-[0-9a-f]{12}$/)),
  briefing: v.string(),
  lang: v.picklist(languages),
  year: v.pipe(v.number(), v.integer()),
  headline: v.string(),
  /** The statistic's page on ssb.no, in the edition's language (the e-mail links to it). */
  statisticUrl: v.pipe(v.string(), v.url()),
  keyFigures: v.array(v.strictObject({ value: v.string(), label: v.string() })),
  /** When the edition's figures were first published (YYYY-MM-DD), null when no source says. */
  editionDate: v.nullable(isoDate),
  /** When the last of them was revised, if any was. */
  revised: v.nullable(isoDate),
  /** sha256 of the observations the edition rests on (ids, values, symbols, bounds, publication dates). */
  dataHash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  tables: v.array(v.strictObject({ id: v.string(), updated: v.nullable(v.string()) })),
  generatedAt: isoTime,
  /** Set when `--force` rebuilt the edition for the same figures. */
  rebuiltAt: v.optional(isoTime),
  toolVersion: v.string(),
  pageCount: v.pipe(v.number(), v.integer(), v.minValue(0)),
  files: v.strictObject({ html: v.literal(editionFiles.html), pdf: v.literal(editionFiles.pdf), claims: v.literal(editionFiles.claims) }),
});
export type EditionManifest = v.InferOutput<typeof editionManifestSchema>;

/** What an edition's identity rests on: the figures, never the wording or the time it was made. */
export function dataHash(observations: readonly Observation[], findings: readonly Finding[]): string {
  const sha = createHash('sha256');
  for (const o of [...observations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
    sha.update(`${JSON.stringify([o.id, o.value, o.status, o.bound, o.published])}\n`);
  for (const f of findings) sha.update(`${JSON.stringify(f)}\n`);
  return sha.digest('hex');
}

/** `<year>-<lang>-<12 hex>`. */
export function editionId(input: { briefing: string; year: number; lang: Lang; dataHash: string }): string {
  const digest = hash('sha256', JSON.stringify([input.briefing, input.year, input.lang, input.dataHash]));
  return `${input.year}-${input.lang}-${digest.slice(0, 12)}`;
}

const editionsDir = (outDir: string) => join(outDir, 'editions');
export const editionDir = (outDir: string, id: string) => join(editionsDir(outDir), id);

/**
 * Store an edition, the manifest last. One that exists is kept (only a missing file written) unless `replace`
 * (--force): then it is rewritten, its manifest keeping `generatedAt` and recording `rebuiltAt`.
 */
export async function saveEdition(input: {
  outDir: string;
  manifest: EditionManifest;
  html: string;
  pdf: Uint8Array;
  claims: unknown;
  replace: boolean;
  now: Date;
}) {
  const manifest = v.parse(editionManifestSchema, input.manifest);
  const dir = editionDir(input.outDir, manifest.id);
  const manifestPath = join(dir, 'manifest.json');
  const existing = await readManifest(manifestPath);
  if (existing === 'invalid' && !input.replace) {
    throw new OutputError(
      `${manifestPath} exists but is not a valid edition manifest, so edition ${manifest.id} was not saved. Run again with --force to rebuild it.`,
      { path: manifestPath },
    );
  }
  const files: Record<string, string | Uint8Array> = {
    [editionFiles.html]: input.html,
    [editionFiles.pdf]: input.pdf,
    [editionFiles.claims]: `${JSON.stringify(input.claims, null, 2)}\n`,
  };
  const kept = existing !== null && existing !== 'invalid' && !input.replace;
  await guard(dir, () => mkdir(dir, { recursive: true }));
  for (const [name, data] of Object.entries(files)) {
    if (!kept || (await readFile(join(dir, name)).catch(() => null)) === null) await write(join(dir, name), data);
  }
  const previous = existing === 'invalid' ? null : existing;
  if (!kept) {
    const final: EditionManifest = previous ? { ...manifest, generatedAt: previous.generatedAt, rebuiltAt: input.now.toISOString() } : manifest;
    await write(manifestPath, `${JSON.stringify(final, null, 2)}\n`);
  }
  await removeOrphanTemps(dir);
  return { dir, created: previous === null, replaced: previous !== null && !kept };
}

/** Every valid edition, newest first: the newest period, then the newest publication, then the latest made. */
export async function listEditions(outDir: string): Promise<EditionManifest[]> {
  const dir = editionsDir(outDir);
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new OutputError(`Cannot read the archive ${dir} (${error.code}).`, { path: dir, cause: error });
  });
  const names = entries.filter((d) => d.isDirectory()).map((d) => d.name);
  const manifests = await Promise.all(names.map((name) => readManifest(join(dir, name, 'manifest.json'))));
  const valid = manifests.filter((m, i): m is EditionManifest => typeof m === 'object' && m !== null && m.id === names[i]);
  const desc = (a: string | number, b: string | number) => (a < b ? 1 : a > b ? -1 : 0);
  return valid.sort(
    (a, b) =>
      desc(a.year, b.year) ||
      desc(a.revised ?? a.editionDate ?? '', b.revised ?? b.editionDate ?? '') ||
      desc(a.rebuiltAt ?? a.generatedAt, b.rebuiltAt ?? b.generatedAt) ||
      -desc(a.id, b.id),
  );
}

/** The newest edition (in `lang` when given): the newest period, then the newest publication. */
export async function latestEdition(outDir: string, lang?: Lang): Promise<EditionManifest | null> {
  return (await listEditions(outDir)).find((m) => lang === undefined || m.lang === lang) ?? null;
}

const langNames: Record<Lang, string> = { nn: 'nynorsk', nb: 'bokmål', en: 'engelsk' };

/** Rebuild `<out>/index.html` from the manifests, with templates/index.hbs. */
export async function writeIndex(outDir: string, templatesDir: string, title: string): Promise<string> {
  const path = join(outDir, 'index.html');
  const template = join(templatesDir, 'index.hbs');
  const source = await readFile(template, 'utf8').catch((cause: unknown) => {
    throw new OutputError(`Cannot read ${template} (${errorCode(cause)}). Restore templates/ from git.`, { path: templatesDir, cause });
  });
  const editions = (await listEditions(outDir)).map((m) => ({
    ...m,
    date: m.editionDate ? formatDate(m.editionDate, 'nn') : null,
    language: langNames[m.lang],
    html: `editions/${encodeURIComponent(m.id)}/${editionFiles.html}`,
    pdf: `editions/${encodeURIComponent(m.id)}/${editionFiles.pdf}`,
  }));
  await write(path, compileTemplate(source, {}, 'templates/index.hbs')({ title, editions }));
  await removeOrphanTemps(outDir);
  return path;
}

/** The parsed manifest, null when the file is missing, 'invalid' when it is there but not a valid manifest. */
async function readManifest(path: string): Promise<EditionManifest | null | 'invalid'> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw new OutputError(`Cannot read ${path} (${error.code}).`, { path, cause: error });
  });
  if (text === null) return null;
  try {
    const parsed = v.safeParse(editionManifestSchema, JSON.parse(text));
    return parsed.success ? parsed.output : 'invalid';
  } catch {
    return 'invalid';
  }
}

const write = (path: string, data: string | Uint8Array) => guard(path, () => writeFileAtomic(path, data));

/** `action` on `path`; its failure an OutputError saying the files there are left as they were. */
async function guard(path: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    throw new OutputError(`Cannot write ${path} (${errorCode(error)}). Files already there are left as they were; run again once it is writable.`, {
      path,
      cause: error,
    });
  }
}
