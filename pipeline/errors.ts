/**
 * One error class per stage. Each carries the context a person needs (path, URL, table, status) and the
 * underlying `cause`, and its message says what happened, what state was left and what to do.
 * `cli.ts` maps them to exit codes in one place.
 */

export interface ErrorContext {
  cause?: unknown;
  [key: string]: unknown;
}

export class BriefingError extends Error {
  /** Process exit code for this kind of failure. */
  readonly exitCode: number = 1;
  readonly context: ErrorContext;

  constructor(message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.context = context;
  }
}

/** Wrong command-line option or configuration value. */
export class ConfigError extends BriefingError {
  override readonly exitCode = 2;
}

/** The dataset in data/ is missing, malformed or fails validation. */
export class DatasetError extends BriefingError {
  override readonly exitCode = 3;
}

/** The dataset has no figures for what was asked (a year, a measure). */
export class NoDataError extends BriefingError {
  override readonly exitCode = 4;
}

/** Compiling or rendering a chart failed. */
export class ChartError extends BriefingError {
  override readonly exitCode = 5;
}

/** Filling the Handlebars templates failed. */
export class TemplateError extends BriefingError {
  override readonly exitCode = 5;
}

/** Chromium could not start, crashed or timed out while printing. */
export class PrintError extends BriefingError {
  override readonly exitCode = 6;
}

/** Writing an output or data file failed. */
export class OutputError extends BriefingError {
  override readonly exitCode = 7;
}

/** Talking to SSB's StatBank failed (network, HTTP status, or an answer that breaks the format). */
export class FetchError extends BriefingError {
  override readonly exitCode = 8;
}

/** A JSON-stat document that breaks the format. */
export class JsonStatError extends BriefingError {
  override readonly exitCode = 8;
}

/** Another run holds the lock on data/ and output/. */
export class LockError extends BriefingError {
  override readonly exitCode = 9;
}

/** Sending the briefing by e-mail failed. */
export class DeliveryError extends BriefingError {
  override readonly exitCode = 10;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
