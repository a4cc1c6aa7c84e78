/**
 * Every error the pipeline raises on purpose: one class per stage, with its exit code, a typed context and the
 * underlying `cause`. cli.ts maps them to exit codes; code decides on the class and the context, never on the message.
 */

type ErrorContext = { cause?: unknown };

export abstract class BriefingError<C extends ErrorContext = ErrorContext> extends Error {
  abstract readonly exitCode: number;
  readonly context: C;

  constructor(message: string, context: C = {} as C) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.context = context;
  }
}

/** The base of an error class: its exit code, and what its context may hold besides the cause. */
function errorClass<C>(exitCode: number) {
  return class extends BriefingError<ErrorContext & C> {
    readonly exitCode = exitCode;
  };
}

/** Wrong command-line option, setting or definition value. */
export class ConfigError extends errorClass<{ setting?: string; value?: string; path?: string; field?: string; line?: number; url?: string }>(2) {}

/** A briefing's folder: its dataset, definition or history is missing, malformed or fails validation. */
export class DatasetError extends errorClass<{ path?: string; row?: number; field?: string; table?: string }>(3) {}

/** The dataset has no figures for what was asked (a year, the headline measure). */
export class NoDataError extends errorClass<{ year?: number; measure?: string; years?: number[] }>(4) {}

export class ChartError extends errorClass<{ chart?: string; path?: string }>(5) {}

export class TemplateError extends errorClass<{ path?: string; template?: string }>(5) {}

/** Chromium could not start, crashed or timed out while printing. */
export class PrintError extends errorClass<{ executablePath?: string; step?: string; timeoutMs?: number; attempt?: number; setting?: string }>(6) {}

/** Writing an output or data file failed. */
export class OutputError extends errorClass<{ path?: string; editionId?: string; known?: string[]; recipient?: string }>(7) {}

export interface FetchContext extends ErrorContext {
  url?: string;
  method?: string;
  status?: number;
  table?: string;
  /** The short reason from a Problem JSON (v2) or `{error}` (v1) body. */
  title?: string;
  attempts?: number;
  api?: 'v1' | 'v2';
  /** ECONNREFUSED, ENOTFOUND… */
  code?: string;
  reason?: 'too-large' | 'redirect' | 'malformed' | 'status' | 'network' | 'permanent';
}

/** Talking to SSB's StatBank failed (network, HTTP status, or an answer that breaks the format). */
export class FetchError<C extends FetchContext = FetchContext> extends BriefingError<C> {
  readonly exitCode = 8;
}

/** StatBank unreachable (DNS, refused) or unavailable (5xx or timeouts past the retry budget): a run builds offline, exit 0. */
export class OfflineError extends FetchError<FetchContext & { why: 'unreachable' | 'unavailable' }> {}

/** A table at StatBank no longer matches what the last fetch stored or the definition recorded. Nothing is written. */
export class TableChangedError extends FetchError<FetchContext & { table: string; problems: string[]; path?: string }> {}

export class JsonStatError extends errorClass<{ table?: string | null; origin?: string; path?: string }>(8) {}

/** Another run holds the lock over the data and output folders. */
export class LockError extends errorClass<{ path: string; pid?: number; owner?: string; startedAt?: string }>(9) {}

/** Sending the briefing by e-mail failed for someone, or it is not known whether it reached them. */
export class DeliveryError extends errorClass<
  { editionId?: string; recipient?: string; code?: string; responseCode?: number } & {
    [list in 'sent' | 'failed' | 'uncertain' | 'unsent' | 'alreadySent']?: string[];
  }
>(10) {}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
