import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { s, type Infer } from './store/schema.js';
import { removeOrphanTemps, writeFileAtomic } from './io/atomic.js';
import { OutputError } from './errors.js';
import { formatDate, languages } from './text/format.js';
import { escapeHtml as esc } from './io/escape.js';

/**
 * The archive of editions. Every run that produces a briefing is an edition, kept under
 * `<outDir>/editions/<id>/` as briefing.html, briefing.pdf and manifest.json, with `<outDir>/index.html` listing
 * them all. The manifest is written last and only ever replaced whole, so a folder without a valid manifest is
 * not an edition (a crash mid-save leaves nothing that counts). The id is derived from the data and language,
 * so the same data makes the same edition and saving it again changes nothing.
 */

export const editionFiles = { html: 'briefing.html', pdf: 'briefing.pdf' } as const;

const sentEntrySchema = s.object({
  recipient: s.string().min(1),
  /** When the server accepted the message (ISO 8601). */
  at: s.string().datetime(),
  messageId: s.string(),
});
export type SentEntry = Infer<typeof sentEntrySchema>;

export const editionManifestSchema = s.object({
  id: s.string().regex(/^\d{4}-[a-z]{2}-[0-9a-f]{12}$/),
  lang: s.oneOf(languages),
  year: s.number().int(),
  headline: s.string(),
  keyFigures: s.array(s.object({ value: s.string(), label: s.string() })),
  /** The date the figures were published or last updated (YYYY-MM-DD or ISO), null when unknown. */
  editionDate: s.string().nullable(),
  /** sha256 hex of the dataset file the edition was made from. */
  dataHash: s.string().regex(/^[0-9a-f]{64}$/),
  tables: s.array(s.object({ id: s.string(), updated: s.string().nullable() })),
  generatedAt: s.string().datetime(),
  toolVersion: s.string(),
  pageCount: s.number().int().min(0),
  files: s.object({ html: s.literal(editionFiles.html), pdf: s.literal(editionFiles.pdf) }),
  /** Recipients the edition reached, each once, in the order they were sent to. */
  sent: s.array(sentEntrySchema),
});
export type EditionManifest = Infer<typeof editionManifestSchema>;

export interface EditionIdInput {
  year: number;
  lang: string;
  dataHash: string;
  tables: { id: string; updated: string | null }[];
}

/** `<year>-<lang>-<12 hex>`: the hash of the canonical JSON of the input (keys sorted, tables sorted by id). */
export function editionId(input: EditionIdInput): string {
  const tables = [...input.tables].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const digest = createHash('sha256').update(canonicalJson({ ...input, tables })).digest('hex');
  return `${input.year}-${input.lang}-${digest.slice(0, 12)}`;
}

/** sha256 hex of the dataset file's text (as UTF-8 bytes). */
export function hashDataset(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const editionsDir = (outDir: string) => join(outDir, 'editions');
export const editionDir = (outDir: string, id: string) => join(editionsDir(outDir), id);

/**
 * Store an edition. When its manifest already exists nothing is rewritten (`created: false`, its `sent` record
 * kept); otherwise html, pdf and then the manifest are each written whole. index.html is rebuilt either way
 * (it is derived from the manifests, so rebuilding it also repairs one a crash left stale).
 */
export async function saveEdition(input: {
  outDir: string;
  manifest: Omit<EditionManifest, 'sent'>;
  html: string;
  pdf: Uint8Array;
}): Promise<{ dir: string; created: boolean }> {
  const manifest = editionManifestSchema.parse({ ...input.manifest, sent: [] });
  const dir = editionDir(input.outDir, manifest.id);
  const manifestPath = join(dir, 'manifest.json');
  let created = false;
  const existing = await readManifest(manifestPath);
  if (existing === 'invalid') {
    throw new OutputError(
      `${manifestPath} exists but is not a valid edition manifest, so edition ${manifest.id} was not saved. ` +
        `Remove the folder ${dir} and run again to make the edition afresh.`,
      { path: manifestPath },
    );
  }
  if (existing === null) {
    await guard(dir, () => mkdir(dir, { recursive: true }));
    await write(join(dir, editionFiles.html), input.html);
    await write(join(dir, editionFiles.pdf), input.pdf);
    await write(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    created = true;
  }
  await removeOrphanTemps(dir); // what a run killed while saving this edition left
  await writeIndex(input.outDir);
  return { dir, created };
}

/** Every valid edition, newest first: editionDate desc (unknown last), then generatedAt desc, then id. */
export async function listEditions(outDir: string): Promise<EditionManifest[]> {
  let names: string[];
  try {
    names = (await readdir(editionsDir(outDir), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new OutputError(`Cannot read the archive ${editionsDir(outDir)} (${(error as NodeJS.ErrnoException).code}).`, { path: editionsDir(outDir), cause: error });
  }
  const manifests = await Promise.all(names.map((name) => readManifest(join(editionsDir(outDir), name, 'manifest.json'))));
  const valid = manifests.filter((m, i): m is EditionManifest => typeof m === 'object' && m !== null && m.id === names[i]);
  const desc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
  return valid.sort((a, b) => desc(a.editionDate ?? '', b.editionDate ?? '') || desc(a.generatedAt, b.generatedAt) || -desc(a.id, b.id));
}

/** The edition's manifest; an OutputError listing the known ids when there is no such edition. */
export async function loadEdition(outDir: string, id: string): Promise<EditionManifest> {
  const manifest = /^[\w-]+$/.test(id) ? await readManifest(join(editionDir(outDir, id), 'manifest.json')) : null;
  if (manifest && manifest !== 'invalid' && manifest.id === id) return manifest;
  const known = (await listEditions(outDir)).map((m) => m.id);
  const state = manifest === 'invalid' ? 'has an invalid manifest' : 'does not exist';
  throw new OutputError(
    `Edition "${id}" ${state} in ${editionsDir(outDir)}. ` +
      (known.length ? `Editions there: ${known.join(', ')}.` : 'There are no editions there yet: run the briefing first.'),
    { path: editionDir(outDir, id), editionId: id, known },
  );
}

/** The newest edition (in `lang` when given), or null when the archive has none. */
export async function latestEdition(outDir: string, lang?: string): Promise<EditionManifest | null> {
  return (await listEditions(outDir)).find((m) => lang === undefined || m.lang === lang) ?? null;
}

/** Add send records to the edition's manifest (read-modify-write, replaced whole); a recipient already there is not added again. */
export async function recordSent(outDir: string, id: string, entries: SentEntry[]): Promise<EditionManifest> {
  const manifest = await loadEdition(outDir, id);
  const seen = new Set(manifest.sent.map((s) => s.recipient.toLowerCase()));
  for (const entry of entries) {
    if (seen.has(entry.recipient.toLowerCase())) continue;
    seen.add(entry.recipient.toLowerCase());
    manifest.sent.push(sentEntrySchema.parse(entry));
  }
  await write(join(editionDir(outDir, id), 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await writeIndex(outDir);
  return manifest;
}

/** Rebuild `<outDir>/index.html` from the manifests. */
export async function writeIndex(outDir: string): Promise<string> {
  const path = join(outDir, 'index.html');
  await write(path, renderIndex(await listEditions(outDir)));
  await removeOrphanTemps(outDir);
  return path;
}

const langNames: Record<string, string> = { nn: 'nynorsk', nb: 'bokmål', en: 'engelsk' };

/** The archive's front page (Nynorsk): one row per edition, in the order given, with relative links to its files. */
export function renderIndex(editions: EditionManifest[]): string {
  const rows = editions.map((m) => {
    const date = formatDate(m.editionDate ?? m.generatedAt, 'nn');
    const base = `editions/${encodeURIComponent(m.id)}`;
    const n = m.sent.length;
    const sent = n === 0 ? 'ikkje sendt' : `sendt til ${n} ${n === 1 ? 'mottakar' : 'mottakarar'}`;
    const name = `${m.headline} (${date})`;
    return `      <tr>
        <td><time datetime="${esc(m.editionDate ?? m.generatedAt)}">${esc(date)}</time></td>
        <td>${m.year}</td>
        <td>${esc(langNames[m.lang] ?? m.lang)}</td>
        <td lang="${esc(m.lang)}">${esc(m.headline)}</td>
        <td>${m.pageCount}</td>
        <td>${esc(sent)}</td>
        <td><a href="${base}/${editionFiles.html}" aria-label="${esc(`HTML: ${name}`)}">HTML</a>
          <a href="${base}/${editionFiles.pdf}" aria-label="${esc(`PDF: ${name}`)}">PDF</a></td>
      </tr>`;
  });
  const body = editions.length
    ? `<table>
    <caption>Alle utgåver, nyaste fyrst</caption>
    <thead>
      <tr><th scope="col">Dato</th><th scope="col">År</th><th scope="col">Språk</th><th scope="col">Overskrift</th><th scope="col">Sider</th><th scope="col">Sendt</th><th scope="col">Filer</th></tr>
    </thead>
    <tbody>
${rows.join('\n')}
    </tbody>
  </table>`
    : '<p>Ingen utgåver enno.</p>';
  return `<!DOCTYPE html>
<html lang="nn">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Utgåver av briefingen om sosiale medium i norske føretak</title>
  <style>
    body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; background: #fff; }
    table { border-collapse: collapse; }
    caption { text-align: left; font-weight: bold; padding-bottom: .5rem; }
    th, td { text-align: left; padding: .4rem .8rem; border-bottom: 1px solid #ccc; vertical-align: top; }
    a { color: #0b5394; }
  </style>
</head>
<body>
  <main>
  <h1>Utgåver av briefingen</h1>
  ${body}
  <p>Kjelde: Statistisk sentralbyrå (CC BY 4.0).</p>
  </main>
</body>
</html>
`;
}


/** The parsed manifest, null when the file is missing, 'invalid' when it is there but not a valid manifest. */
async function readManifest(path: string): Promise<EditionManifest | null | 'invalid'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new OutputError(`Cannot read ${path} (${code}).`, { path, cause: error });
  }
  try {
    const parsed = editionManifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'invalid';
  } catch {
    return 'invalid';
  }
}

async function write(path: string, data: string | Uint8Array): Promise<void> {
  await guard(path, () => writeFileAtomic(path, data));
}

async function guard(path: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OutputError(`Cannot write ${path} (${code}). Files already there are left as they were; run again once it is writable.`, { path, cause: error });
  }
}
