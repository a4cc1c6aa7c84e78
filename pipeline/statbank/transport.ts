import { FetchError } from '../errors.js';
import { httpFetch, type FetchLike, type HttpFetchResponse } from '../io/http-fetch.js';

/**
 * The transport under the StatBank client: one request at a time, a timeout on each, SSB's rate-limit headers
 * honoured, and retries with backoff only for transient failures. It knows HTTP, not PxWebApi: it returns any
 * final HTTP answer (the client decides what a 404 means) and throws only when no usable answer came back.
 *
 * Retried: 429 (after `Retry-After`), 5xx, timeouts, dropped connections (ECONNRESET, "other side closed"), and a
 * 2xx whose body is not valid JSON (once only: a cut body is usually a proxy hiccup, a second one is not).
 * Never retried: other 4xx, and a host that can't be resolved or refuses the connection (OfflineError).
 */

/** StatBank's host could not be resolved (ENOTFOUND, EAI_AGAIN) or refused the connection (ECONNREFUSED). */
export class OfflineError extends FetchError {}

/** Effects the transport needs; production defaults in `defaultEffects`. */
export interface StatbankEffects {
  /** @default httpFetch (node:http; the global fetch works too but loading undici costs ~50 ms of startup) */
  fetch?: FetchLike;
  /** Wait this many milliseconds. @default setTimeout-based */
  sleep?: (ms: number) => Promise<void>;
  /** The current time in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** A number in [0, 1) for jitter. @default Math.random */
  random?: () => number;
  /** One line per retry or wait, for the run log. @default none */
  log?: (message: string) => void;
}
export type ResolvedEffects = Required<Omit<StatbankEffects, 'log'>> & Pick<StatbankEffects, 'log'>;

export function defaultEffects(effects: StatbankEffects = {}): ResolvedEffects {
  return {
    fetch: effects.fetch ?? httpFetch,
    sleep: effects.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: effects.now ?? Date.now,
    random: effects.random ?? Math.random,
    log: effects.log,
  };
}

export interface TransportOptions {
  userAgent: string;
  /** Per attempt, headers and body included, in ms. */
  requestTimeoutMs: number;
  /** Total time spent waiting between retries of one request, in ms; a wait that would pass it fails instead. */
  maxTotalWaitMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff wait in ms; doubles per retry, jittered to 50-100 %. */
  backoffBaseMs: number;
  effects: ResolvedEffects;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Sent as JSON. */
  body?: unknown;
  /** For error context only. */
  table?: string;
}

export interface HttpResponse {
  method: 'GET' | 'POST';
  url: string;
  status: number;
  /** Only the headers worth keeping (content type, rate limit, caching, date), lower-case names. */
  headers: Record<string, string>;
  /** The body as text, byte order mark removed. */
  text: string;
  /** The parsed body: always set for 2xx; undefined for a non-2xx body that is not JSON. */
  json: unknown;
  attempts: number;
  /** Set when the status is transient (429, 5xx) but retries or the waiting budget ran out: why we stopped. */
  gaveUp?: string;
}

const keptHeaders = ['content-type', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-policy', 'retry-after',
  'last-modified', 'etag', 'date'];
const offlineCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED']);

/** `40;w=60s` (or `40;w=60`) -> the window in ms; undefined when absent or unreadable. */
export function parseRateLimitWindowMs(policy: string | null | undefined): number | undefined {
  const match = policy?.match(/(?:^|;)\s*w=(\d+(?:\.\d+)?)s?\s*(?:;|$)/);
  return match ? Number(match[1]) * 1000 : undefined;
}

/** `Retry-After` as seconds or an HTTP date -> ms to wait from `now` (never negative); undefined if unreadable. */
export function parseRetryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The errno of a failed fetch: httpFetch rejects with Node's error, which has `error.code`; the global fetch (undici)
 * puts it in `error.cause.code` (or in an AggregateError's `errors`).
 */
export function networkErrorCode(error: unknown): string | undefined {
  for (let e: any = error, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string' && !e.code.startsWith('ABORT')) return e.code;
    const inner = Array.isArray(e.errors) ? e.errors.find((x: any) => typeof x?.code === 'string') : undefined;
    if (inner) return inner.code;
  }
  return undefined;
}

/**
 * Failures that come back the same on every try: a URL or header Node refuses, a protocol error, an answer that
 * does not decompress, a TLS certificate problem, a redirect loop.
 */
function isPermanent(error: unknown, code: string | undefined): boolean {
  if (code && /^(ERR_INVALID_|ERR_HTTP_|ERR_UNESCAPED_|ERR_TLS_|ERR_SSL_|Z_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/.test(code)) return true;
  return error instanceof TypeError && /more than \d+ redirects|redirect count exceeded/i.test(`${error.message} ${String((error as Error).cause ?? '')}`);
}

type Attempt = { response: HttpResponse } | { transient: string; retryAfterMs?: number; response?: HttpResponse };

export function createTransport(options: TransportOptions): { send(request: HttpRequest): Promise<HttpResponse> } {
  const { effects } = options;
  /** Epoch ms before which no request may be sent (the rate-limit window after `remaining: 0`). */
  let blockedUntil = 0;
  let queue: Promise<unknown> = Promise.resolve();

  async function attemptOnce(request: HttpRequest, attempts: number, jsonRetried: boolean): Promise<Attempt> {
    let res: HttpFetchResponse;
    let text: string;
    try {
      res = await effects.fetch(request.url, {
        method: request.method,
        headers: {
          'user-agent': options.userAgent,
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      });
      text = (await res.text()).replace(/^\uFEFF/, '');
    } catch (error) {
      const code = networkErrorCode(error);
      if (code && offlineCodes.has(code)) {
        throw new OfflineError(
          `StatBank could not be reached (${code}): ${request.method} ${request.url}. The host ` +
            `${code === 'ECONNREFUSED' ? 'refused the connection' : 'could not be resolved'}; check the network ` +
            `connection and SSB_API_URL. Not retried.`,
          { url: request.url, method: request.method, table: request.table, code, cause: error },
        );
      }
      if ((error as Error)?.name === 'TimeoutError') return { transient: `timed out after ${options.requestTimeoutMs} ms` };
      if (isPermanent(error, code)) {
        throw new FetchError(
          `StatBank request failed in a way retrying would not mend (${code ?? (error as Error).message}): ${request.method} ` +
            `${request.url}. Check SSB_API_URL (and SSB_RSS_URL), the network's proxy or TLS setup; not retried.`,
          { url: request.url, method: request.method, table: request.table, code, cause: error },
        );
      }
      if (error instanceof TypeError || code) return { transient: `connection dropped (${code ?? (error as Error).message})` };
      throw new FetchError(`StatBank request could not be sent: ${request.method} ${request.url}: ${String(error)}`, {
        url: request.url, method: request.method, table: request.table, cause: error,
      });
    }
    const headers: Record<string, string> = {};
    for (const name of keptHeaders) {
      const value = res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    noteRateLimit(res.status, headers);
    let json: unknown;
    let invalidJson = false;
    try {
      json = JSON.parse(text);
    } catch {
      invalidJson = true;
    }
    const response: HttpResponse = { method: request.method, url: request.url, status: res.status, headers, text, json, attempts };
    if (res.status === 429) {
      const retryAfterMs = parseRetryAfterMs(headers['retry-after'], effects.now())
        ?? parseRateLimitWindowMs(headers['x-ratelimit-policy']);
      return { transient: 'status 429 (Too many requests)', retryAfterMs, response };
    }
    if (res.status >= 500) {
      return { transient: `status ${res.status}`, retryAfterMs: parseRetryAfterMs(headers['retry-after'], effects.now()), response };
    }
    if (res.ok && invalidJson) {
      if (jsonRetried) {
        throw new FetchError(
          `StatBank answered ${request.method} ${request.url} with a body that is not valid JSON (${text.length} characters, ` +
            `a second time). The response was cut short or is not an API answer; try again later.`,
          { url: request.url, method: request.method, status: res.status, table: request.table },
        );
      }
      return { transient: 'invalid JSON body' };
    }
    return { response };
  }

  /** Remember the window to sit out when the server says no requests remain in it. */
  function noteRateLimit(status: number, headers: Record<string, string>): void {
    // After a 429 the Retry-After wait governs, charged to the retry budget.
    if (status === 429 || headers['x-ratelimit-remaining'] !== '0') return;
    blockedUntil = effects.now() + (parseRateLimitWindowMs(headers['x-ratelimit-policy']) ?? 60_000);
  }

  async function run(request: HttpRequest): Promise<HttpResponse> {
    let waitedMs = 0;
    let jsonRetried = false;
    for (let attempts = 1; ; attempts++) {
      const pause = blockedUntil - effects.now();
      if (pause > 0) {
        effects.log?.(`StatBank: rate limit reached; waiting ${Math.ceil(pause / 1000)} s for the next window`);
        await effects.sleep(pause);
      }
      const attempt = await attemptOnce(request, attempts, jsonRetried);
      if (!('transient' in attempt)) return attempt.response;
      if (attempt.transient === 'invalid JSON body') jsonRetried = true;
      const backoff = options.backoffBaseMs * 2 ** (attempts - 1) * (0.5 + 0.5 * effects.random());
      const wait = Math.round(attempt.retryAfterMs ?? backoff);
      const stop = attempts > options.maxRetries
        ? `${attempts} attempts, the most allowed (maxRetries ${options.maxRetries})`
        : waitedMs + wait > options.maxTotalWaitMs
          ? `the next wait (${wait} ms) would pass the retry budget of ${options.maxTotalWaitMs} ms (${waitedMs} ms waited, ${attempts} attempt${attempts === 1 ? '' : 's'})`
          : undefined;
      if (stop !== undefined) {
        if (attempt.response) return { ...attempt.response, gaveUp: stop };
        throw new FetchError(
          `StatBank request failed: ${attempt.transient}: ${request.method} ${request.url}. Gave up: ${stop}. ` +
            `StatBank may be slow or in maintenance (around 05:00 and 11:30 Oslo time); try again later.`,
          { url: request.url, method: request.method, table: request.table, attempts },
        );
      }
      effects.log?.(`StatBank: ${attempt.transient} on ${request.method} ${request.url}; retrying in ${wait} ms`);
      await effects.sleep(wait);
      waitedMs += wait;
    }
  }

  return {
    /** Queued behind every earlier request of this transport, so StatBank never sees two at once. */
    send(request) {
      const result = queue.then(() => run(request));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

/** Problem JSON (`{type, title, status}`, v2) or `{error}` (v1): the short reason, if any. */
export function problemTitle(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const { title, error } = json as { title?: unknown; error?: unknown };
  return typeof title === 'string' ? title : typeof error === 'string' ? error : undefined;
}

/** A final non-2xx answer as a FetchError whose message says what failed and what to do. */
export function httpFailure(response: HttpResponse, table: string | undefined, maxCells: number): FetchError {
  const { status, method, url } = response;
  const title = problemTitle(response.json);
  const advice = adviceFor(status, title, response.text, maxCells);
  const gaveUp = response.gaveUp ? ` Gave up: ${response.gaveUp}.` : status < 500 && status !== 429 ? ' Not retried.' : '';
  return new FetchError(
    `StatBank request failed with status ${status}${title ? ` (${title})` : ''}: ${method} ${url}.${gaveUp} ${advice}`,
    { url, method, status, table, title, attempts: response.attempts },
  );
}

function adviceFor(status: number, title: string | undefined, text: string, maxCells: number): string {
  const t = title ?? '';
  if (/too many (cells|values)/i.test(t) || (status === 403 && !t)) {
    return `The selection covers more cells than StatBank allows in one request (${maxCells}); the selection must be ` +
      'split into smaller requests (pass dimensionSizes so the client can count the cells).';
  }
  if (status === 500 && text.trim() === '') {
    return 'StatBank answers 500 with an empty body when a value code is repeated in the selection; check the ' +
      'selection for a value code that appears twice.';
  }
  if (status >= 500) return 'StatBank is failing or in maintenance (around 05:00 and 11:30 Oslo time); try again later.';
  if (status === 429) {
    return "StatBank's rate limit (per IP address) is still exceeded; wait a minute and check that nothing else on " +
      'this machine is calling StatBank.';
  }
  if (/non-existent table/i.test(t)) return 'Check the table id: the table may have been replaced (search GET /tables?query=...).';
  if (/non-existent|missing selection|illegal selection|parameter error|variable/i.test(t) || status === 400) {
    return "The selection does not match the table: compare the variable and value codes with the table's metadata.";
  }
  return 'Check the request and the API address (SSB_API_URL).';
}
