import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { editionManifestSchema } from '../../pipeline/archive.js';
import { errorMessage } from '../../pipeline/errors.js';
import { parseDataset, readDatasetText } from '../../pipeline/store/dataset.js';
import { loadDefinition } from '../../pipeline/store/definition.js';
import { batchesOf, readHistory, reconcile, sha16 } from '../../pipeline/store/history.js';

/**
 * What a run may leave behind in the output and data folders, checked after it ended or was killed: a briefing is
 * whole or absent, never half-written; the data folder is a valid dataset its history describes. For the kill,
 * disk-fault and soak tests.
 */

export { sha16 };

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
 * not whole, and every edition with a valid manifest missing its html, pdf or claims or holding a partial one.
 */
export async function briefingProblems(outDir: string): Promise<string[]> {
  const problems: string[] = [];
  const names = await readdir(outDir).catch(() => [] as string[]);
  const check = async (path: string, required: boolean) => {
    const bytes = await readFile(path).catch(() => null);
    if (!bytes) return void (required && problems.push(`${path} is missing`));
    const whole = path.endsWith('.pdf')
      ? isCompletePdf(bytes)
      : path.endsWith('.json')
        ? (() => {
            try {
              JSON.parse(bytes.toString('utf8'));
              return true;
            } catch {
              return false;
            }
          })()
        : isCompleteHtml(bytes.toString('utf8'));
    if (!whole) problems.push(`${path} is not whole (${bytes.length} bytes)`);
  };
  for (const name of names) if (/^(briefing-[a-z]{2}\.(pdf|html)|index\.html)$/.test(name)) await check(join(outDir, name), false);
  for (const id of await readdir(join(outDir, 'editions')).catch(() => [] as string[])) {
    const dir = join(outDir, 'editions', id);
    const manifest = await readFile(join(dir, 'manifest.json'), 'utf8').then(
      (t) => v.safeParse(editionManifestSchema, JSON.parse(t)),
      () => null,
    );
    if (!manifest?.success) continue; // no valid manifest: not an edition (a run killed while saving it)
    await check(join(dir, 'briefing.pdf'), true);
    await check(join(dir, 'briefing.html'), true);
    await check(join(dir, 'claims.json'), true);
  }
  return problems;
}

export interface DataState {
  /** What is wrong, as sentences; [] when the folder is a valid dataset its history describes. */
  problems: string[];
  /** The history's last batch was written but dataset.json was not (a killed update): the next update drops it. */
  interrupted: boolean;
  /** sha16 of dataset.json. */
  datasetHash: string | null;
}

/**
 * Whether `dataDir` is what a run may leave, however it ended: the definition and the dataset load and validate,
 * the history parses, and the dataset is the one the history's last batch made, or the history's last batches were
 * written while dataset.json was not (an interrupted update, which the next update drops) and the dataset is the
 * one those batches started from. With no batch left the dataset must be `original` (its sha16), when given.
 */
export async function dataState(dataDir: string, original?: string): Promise<DataState> {
  const problems: string[] = [];
  let datasetHash: string | null = null;
  let interrupted = false;
  try {
    const definition = await loadDefinition(dataDir);
    const text = await readDatasetText(dataDir);
    parseDataset(text, join(dataDir, 'dataset.json'), definition);
    datasetHash = sha16(text);
    const history = await readHistory(dataDir);
    const { kept, dropped } = reconcile(history, datasetHash);
    interrupted = dropped > 0;
    const last = batchesOf(kept).at(-1);
    if (last && last[0]!.batch !== datasetHash) {
      problems.push(
        `dataset.json (${datasetHash}) is neither what the history's last batch made (${last[0]!.batch}) nor what it started from (${last[0]!.previous})`,
      );
    }
    if (!last && original !== undefined && datasetHash !== original) problems.push(`dataset.json (${datasetHash}) changed with no history batch describing it`);
  } catch (error) {
    problems.push(errorMessage(error));
  }
  return { problems, interrupted, datasetHash };
}

/** Temp files (`.<name>.<pid>.<8 hex>.tmp` / `.stale`) directly in `dir`. */
export async function tempFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\..+\.\d+\.[0-9a-f]{8}\.(tmp|stale)$/.test(n));
}
