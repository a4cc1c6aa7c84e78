import { readFile } from 'node:fs/promises';
import * as v from 'valibot';
import { errorCode } from './atomic.js';

/** JSON files read one way: read, strip a byte order mark, parse, validate; a failure names the file and field, as the caller's error. */

/** The first problem, as `field "x.y": message`; the field as `tables[0].measures.Wikiar`, `(document)` for the root. */
export function firstIssue(issues: readonly v.BaseIssue<unknown>[]): { field: string; message: string } {
  const keys = issues[0]!.path?.map((item) => item.key) ?? [];
  const field = keys.reduce<string>((path, key) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${String(key)}` : String(key)), '');
  return { field: field || '(document)', message: issues[0]!.message };
}

export interface ReadOptions {
  /** What to do about it, appended to every message: "Restore it with `git checkout -- data/`." */
  advice: string;
  /** Turns a message into the caller's error class. */
  fail: (message: string, context: { path: string; field?: string; cause?: unknown }) => Error;
}

/** Parse and validate JSON text that came from `path`. */
export function parseJsonText<T>(text: string, path: string, schema: v.GenericSchema<unknown, T>, options: ReadOptions): T {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw options.fail(`${path}: not valid JSON (${(cause as Error).message}). ${options.advice}`, { path, cause });
  }
  const result = v.safeParse(schema, document);
  if (result.success) return result.output;
  const { field, message } = firstIssue(result.issues);
  throw options.fail(`${path}: field "${field}": ${message}. ${options.advice}`, { path, field });
}

/** Read, parse and validate `path`; a missing or unreadable file fails with the same advice. */
export async function readJsonFile<T>(path: string, schema: v.GenericSchema<unknown, T>, options: ReadOptions): Promise<T> {
  const text = await readFile(path, 'utf8').catch((cause: NodeJS.ErrnoException) => {
    throw options.fail(`${path}: cannot read it (${errorCode(cause)}). ${options.advice}`, { path, cause });
  });
  return parseJsonText(text, path, schema, options);
}
