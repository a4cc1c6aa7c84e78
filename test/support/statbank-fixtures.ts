import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { FetchError } from '../../pipeline/errors.js';
import { projectRoot } from '../../pipeline/io/paths.js';
import { readFileSync } from 'node:fs';
import { v2Prefix, type ReplayServer } from './replay-server.js';

/**
 * The synthetic StatBank answers for tables 10977 and 14933 (test/fixtures/statbank/, see its README), served by
 * the replay server, and small edits of them for tests: another `updated`, a changed cell, a renamed code.
 */

// From the project root, so the compiled copy under dist/ (the bench, the soak) finds them too.
const fixturesDir = pathToFileURL(join(projectRoot, 'test/fixtures/statbank/'));

/** The text of `test/fixtures/statbank/<name>`. */
export function statbankText(name: string): string {
  return readFileSync(new URL(name, fixturesDir), 'utf8');
}

export interface TableTexts {
  info: string;
  metadata: string;
  data: string;
}

export function tableTexts(id: '10977' | '14933'): TableTexts {
  return { info: statbankText(`${id}_table_info.json`), metadata: statbankText(`${id}_metadata.json`), data: statbankText(`${id}_data.json`) };
}

/** Answer GET /tables/{id}, GET .../metadata and POST .../data with these texts (replacing earlier routes). */
export function serveTable(server: ReplayServer, id: string, texts: TableTexts): void {
  server.addJsonRoute('GET', `${v2Prefix}/tables/${id}`, texts.info);
  server.addJsonRoute('GET', `${v2Prefix}/tables/${id}/metadata`, texts.metadata);
  server.addJsonRoute('POST', `${v2Prefix}/tables/${id}/data`, texts.data);
}

/** Parse, change, serialise (pretty, as the fixtures are). */
function editJson(text: string, change: (doc: any) => void): string {
  const doc = JSON.parse(text);
  change(doc);
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Table info with another `updated` (and optionally `discontinued`). */
export function withUpdated(info: string, updated: string, discontinued?: boolean): string {
  return editJson(info, (doc) => {
    doc.updated = updated;
    if (discontinued !== undefined) doc.discontinued = discontinued;
  });
}

/** Flat row-major index of the cell with these codes (last dimension fastest). */
function cellIndex(
  doc: { id: string[]; size: number[]; dimension: Record<string, { category: { index: Record<string, number> } }> },
  codes: Record<string, string>,
): number {
  return doc.id.reduce((flat, dim, k) => {
    const position = doc.dimension[dim]!.category.index[codes[dim]!];
    if (position === undefined) throw new Error(`no ${dim} "${codes[dim]}" in the fixture`);
    return flat * doc.size[k]! + position;
  }, 0);
}

/** A data text with one cell set to `value` (and its status set, or removed when null). */
export function withCell(data: string, codes: Record<string, string>, value: number | null, status: string | null = null): string {
  return editJson(data, (doc) => {
    const i = cellIndex(doc, codes);
    doc.value[i] = value;
    if (status === null) delete doc.status[String(i)];
    else doc.status[String(i)] = status;
  });
}

/** The FetchError a StatBank call rejects with (the test fails if it resolves or rejects with anything else). */
export async function rejection(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}
