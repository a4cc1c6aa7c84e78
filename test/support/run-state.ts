import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { editionManifestSchema } from '../../pipeline/archive.js';

/**
 * What a run may leave behind in output/ and data/, checked after it ended or was killed: a briefing is whole or
 * absent, never half-written. For the kill and soak tests.
 */

/** Whether `bytes` is a whole PDF as Chromium writes it: `%PDF-` at the start, `%%EOF` at the end. */
export function isCompletePdf(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes);
  return text.subarray(0, 5).toString('latin1') === '%PDF-' && /%%EOF\s*$/.test(text.subarray(-64).toString('latin1'));
}

/** Whether `text` is a whole HTML document (it ends with its closing tag). */
export function isCompleteHtml(text: string): boolean {
  return /^<!DOCTYPE html>/i.test(text) && /<\/html>\s*$/i.test(text);
}

/**
 * Problems with the briefings in `outDir`, as sentences ([] when none): briefing-<lang>.pdf/.html present but
 * not whole, and every edition with a valid manifest missing its html or pdf or holding a partial one.
 */
export async function briefingProblems(outDir: string): Promise<string[]> {
  const problems: string[] = [];
  const names = await readdir(outDir).catch(() => [] as string[]);
  const check = async (path: string, required: boolean) => {
    const bytes = await readFile(path).catch(() => null);
    if (!bytes) return void (required && problems.push(`${path} is missing`));
    const whole = path.endsWith('.pdf') ? isCompletePdf(bytes) : isCompleteHtml(bytes.toString('utf8'));
    if (!whole) problems.push(`${path} is not whole (${bytes.length} bytes)`);
  };
  for (const name of names) if (/^briefing-[a-z]{2}\.(pdf|html)$/.test(name)) await check(join(outDir, name), false);
  for (const id of await readdir(join(outDir, 'editions')).catch(() => [] as string[])) {
    const dir = join(outDir, 'editions', id);
    const manifest = await readFile(join(dir, 'manifest.json'), 'utf8').then((t) => editionManifestSchema.safeParse(JSON.parse(t)), () => null);
    if (!manifest?.success) continue; // no valid manifest: not an edition (a run killed while saving it)
    await check(join(dir, 'briefing.pdf'), true);
    await check(join(dir, 'briefing.html'), true);
  }
  return problems;
}

/** Temp files (`.<name>.<pid>.<8 hex>.tmp` / `.stale`) directly in `dir`. */
export async function tempFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\..+\.\d+\.[0-9a-f]{8}\.(tmp|stale)$/.test(n));
}

/** The first 16 hex digits of sha256, as update.ts stamps history batches. */
export function sha16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
