import { readFile } from 'node:fs/promises';
import * as v from 'valibot';

/**
 * JSON files read one way: read, strip a byte order mark, parse, validate with a valibot schema. Every failure
 * becomes the caller's error (`fail`), with the file, the field path and what was expected, so a person can fix it.
 */

type Schema<T> = v.GenericSchema<unknown, T>;

/** `tables[0].measures.Wikiar` from a valibot issue's path; `(document)` for the root. */
export function issuePath(issue: v.BaseIssue<unknown>): string {
  const keys = issue.path?.map((item) => item.key) ?? [];
  return keys.reduce<string>((path, key) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${String(key)}` : String(key)), '') || '(document)';
}

/** The first problem, as `field "x.y": message`. */
export function firstIssue(issues: readonly v.BaseIssue<unknown>[]): { field: string; message: string } {
  const issue = issues[0]!;
  return { field: issuePath(issue), message: issue.message };
}

export interface ReadOptions {
  /** What to do about it, appended to every message: "Restore it with `git checkout -- data/`." */
  advice: string;
  /** Turns a message into the caller's error class. */
  fail: (message: string, context: { path: string; field?: string; cause?: unknown }) => Error;
}

/** Parse and validate JSON text that came from `path`. */
export function parseJsonText<T>(text: string, path: string, schema: Schema<T>, options: ReadOptions): T {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw options.fail(`${path}: not valid JSON (${(cause as Error).message}). ${options.advice}`, { path, cause });
  }
  return validate(document, path, schema, options);
}

export function validate<T>(document: unknown, path: string, schema: Schema<T>, options: ReadOptions): T {
  const result = v.safeParse(schema, document);
  if (result.success) return result.output;
  const { field, message } = firstIssue(result.issues);
  throw options.fail(`${path}: field "${field}": ${message}. ${options.advice}`, { path, field });
}

/** Read, parse and validate `path`; a missing or unreadable file fails with the same advice. */
export async function readJsonFile<T>(path: string, schema: Schema<T>, options: ReadOptions): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw options.fail(`${path}: cannot read it (${code}). ${options.advice}`, { path, cause });
  }
  return parseJsonText(text, path, schema, options);
}
