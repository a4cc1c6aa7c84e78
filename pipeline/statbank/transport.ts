import pRetry, { AbortError } from 'p-retry';
import { FetchError, OfflineError, type FetchContext } from '../errors.js';
import { packageVersion } from '../io/paths.js';

/**
 * The HTTP under the StatBank client: Node's `fetch`, one request at a time, a timeout and a size bound on each, SSB's
 * rate limit honoured. Retried (p-retry, backoff with jitter or `Retry-After`, within `retryBudgetMs`/`maxRetries`):
 * 429, 5xx, timeouts, dropped connections, and once a 2xx body that is not JSON; outlasting the budget is OfflineError
 * 'unavailable'. Never retried: an unreachable host (OfflineError 'unreachable'), other 4xx (returned), 'too-large',
 * 'redirect' (on a POST, or one a GET could not follow) and 'permanent' failures.
 */

/** Effects the transport needs; tests swap them to run without waiting. `random` is in [0, 1), for jitter. */
export interface StatbankEffects {
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** One line per retry or wait, for the run log. */
  log?: (message: string) => void;
}

const bytesPerCell = 64;
const bytesForLabels = 16 * 1024 * 1024;

/**
 * The largest answer worth reading for a request of at most `maxCells` cells, after decompression: a cell takes at
 * most ~25 bytes in `value` and ~15 in `status`; dimensions, labels and notes take a few hundred kilobytes.
 */
export function maxBodyBytes(maxCells: number): number {
  return maxCells * bytesPerCell + bytesForLabels;
}

/** `maxCells`: the cell limit per request, for the body bound and the advice on "Too many cells selected". */
export interface TransportOptions {
  userAgent?: string;
  /** Per attempt, body included. */
  requestTimeoutMs?: number;
  /** Total waiting between the retries of one request; sitting out the rate-limit window is not charged. */
  retryBudgetMs?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  /** First backoff wait; doubles per retry, jittered to 50-100 %. */
  backoffBaseMs?: number;
  /** The largest answer read, in bytes after decompression. */
  maxBodyBytes?: number;
  maxCells: number;
  effects?: StatbankEffects;
}

/** `body` is sent as JSON; `table` is for error context only. */
export type HttpRequest = { method: 'GET' | 'POST'; url: string; body?: unknown; table?: string };

/** `url` is the URL asked for (a GET may have been redirected). */
export interface HttpResponse {
  method: 'GET' | 'POST';
  url: string;
  status: number;
  /** Only the headers worth keeping (content type, rate limit, caching, date), lower-case names. */
  headers: Record<string, string>;
  /** The body as text, byte order mark removed. */
  text: string;
  /** The parsed body: always set for 2xx; undefined for a non-2xx body that is not JSON. */
  body: unknown;
  attempts: number;
}

const keptHeaders = ['content-type', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-policy', 'retry-after', 'last-modified', 'etag', 'date'];
/** The host is not resolved, refuses, or has no route: retrying within seconds does not help. */
const unreachableCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH']);
/** Codes of failures that come back the same on every try. */
const permanentCode =
  /^(ERR_INVALID_|ERR_HTTP_|ERR_UNESCAPED_|ERR_TLS_|ERR_SSL_|Z_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|UND_ERR_INVALID_ARG|UND_ERR_NOT_SUPPORTED)/;

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

/** The errno of a failed request: undici puts it in `cause` (or an AggregateError's `errors`) of 'fetch failed'. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let e: any = error, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string' && !e.code.startsWith('ABORT')) return e.code;
    const inner = Array.isArray(e.errors) ? e.errors.find((x: any) => typeof x?.code === 'string') : undefined;
    if (inner) return inner.code;
  }
  return undefined;
}

/** A failed attempt worth another try. `kind` decides what the request ends in when no try is left. */
class Transient extends Error {
  constructor(
    readonly reason: string,
    readonly kind: 'unavailable' | 'rate-limited' | 'malformed',
    readonly retryAfterMs?: number,
    readonly response?: HttpResponse,
  ) {
    super(reason);
  }
}

/** `send` returns any final answer; 429 and 5xx are thrown once retrying is over. Requests queue: one at a time. */
export function createTransport(options: TransportOptions): { send(request: HttpRequest): Promise<HttpResponse> } {
  const {
    userAgent = `ssb-briefing/${packageVersion()} (+https://github.com/ssb-briefing)`,
    requestTimeoutMs = 20_000,
    retryBudgetMs = 30_000,
    maxRetries = 4,
    backoffBaseMs = 1000,
    maxCells,
    maxBodyBytes: bodyLimit = maxBodyBytes(maxCells),
  } = options;
  const {
    fetch = (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init),
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    now = Date.now,
    random = Math.random,
    log,
  } = options.effects ?? {};
  /** Epoch ms before which no request may be sent (the rate-limit window after `remaining: 0`). */
  let blockedUntil = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const context = (request: HttpRequest, more: Partial<FetchContext> = {}): FetchContext => ({
    url: request.url,
    method: request.method,
    ...(request.table === undefined ? {} : { table: request.table }),
    ...more,
  });

  /** A failure no retry can mend: p-retry stops and the request rejects with the FetchError. */
  const final = (request: HttpRequest, message: string, more: Partial<FetchContext>) => new AbortError(new FetchError(message, context(request, more)));

  function failedToSend(request: HttpRequest, error: unknown): Error {
    const code = networkErrorCode(error);
    const what = `${request.method} ${request.url}`;
    if (code && unreachableCodes.has(code)) {
      const how = code === 'ECONNREFUSED' ? 'refused the connection' : code.endsWith('UNREACH') ? 'has no route from here' : 'could not be resolved';
      return new AbortError(
        new OfflineError(
          `StatBank could not be reached (${code}): ${what}. The host ${how}; check the network connection and SSB_API_URL. Not retried; nothing was stored.`,
          { ...context(request, { code, reason: 'network', cause: error }), why: 'unreachable' },
        ),
      );
    }
    if ((error as Error)?.name === 'TimeoutError') return new Transient(`timed out after ${requestTimeoutMs} ms`, 'unavailable');
    if (code && !permanentCode.test(code)) return new Transient(`connection dropped (${code})`, 'unavailable');
    // No system error code (an invalid URL or header, a redirect loop) or one that repeats on every try.
    const cause = (error as Error)?.cause as Error | undefined;
    const detail = code ?? ([(error as Error)?.message, cause?.message].filter(Boolean).join(': ') || String(error));
    return final(
      request,
      `StatBank request failed in a way retrying would not mend (${detail}): ${what}. Check SSB_API_URL (and SSB_RSS_URL), the network's proxy ` +
        'or TLS setup. Not retried; nothing was stored.',
      { ...(code ? { code } : {}), reason: 'permanent', cause: error },
    );
  }

  const tooLarge = (request: HttpRequest, seen: string) =>
    final(
      request,
      `StatBank's answer to ${request.method} ${request.url} is larger than ${bodyLimit} bytes, the most a request of at most ` +
        `${maxCells} cells can need (cells × ${bytesPerCell} bytes + ${bytesForLabels} bytes for labels): ${seen}. It was not read ` +
        'further, not retried, and nothing was stored. Check that SSB_API_URL points at StatBank.',
      { reason: 'too-large' },
    );

  /** The body as text, read as it arrives (decompressed) and abandoned as soon as it passes the bound. */
  async function readBody(request: HttpRequest, res: Response, abort: AbortController): Promise<string> {
    const declared = res.headers.get('content-length');
    if (declared !== null && /^\d+$/.test(declared) && Number(declared) > bodyLimit) {
      abort.abort();
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(request, `its Content-Length says ${declared} bytes`);
    }
    if (!res.body) return '';
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      bytes += read.value.byteLength;
      if (bytes > bodyLimit) {
        abort.abort();
        await reader.cancel().catch(() => undefined);
        const encoding = res.headers.get('content-encoding');
        throw tooLarge(request, `more than ${bodyLimit} bytes arrived${encoding ? ` after decompressing its ${encoding} encoding` : ''}`);
      }
      chunks.push(read.value);
    }
    // TextDecoder drops a leading byte order mark.
    return new TextDecoder().decode(Buffer.concat(chunks));
  }

  async function attemptOnce(request: HttpRequest, attempts: number): Promise<HttpResponse> {
    const abort = new AbortController();
    // A plain timer, not AbortSignal.timeout() inside AbortSignal.any(): nothing would hold that signal, so it could be
    // collected and never fire, and a silent server would hold the run for ever.
    const timer = setTimeout(() => abort.abort(new DOMException(`timed out after ${requestTimeoutMs} ms`, 'TimeoutError')), requestTimeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(request.url, {
        method: request.method,
        headers: {
          'user-agent': userAgent,
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        // A redirected POST is re-sent as a body-less GET (301-303) or to a place nobody chose: the selection would be
        // lost or go astray. GETs follow (at most 20, fetch's own bound).
        redirect: request.method === 'POST' ? 'manual' : 'follow',
        signal: abort.signal,
      });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel().catch(() => undefined);
        const location = res.headers.get('location');
        const why = request.method === 'POST' ? 'a redirected POST would lose the selection, so it was not followed' : 'it could not be followed';
        const message = `StatBank answered ${request.method} ${request.url} with a redirect (status ${res.status}${location ? ` to ${location}` : ''}); ${why}.`;
        throw final(request, `${message} Check SSB_API_URL (use the final address, https and all). Not retried; nothing was stored.`, {
          status: res.status,
          reason: 'redirect',
        });
      }
      text = await readBody(request, res, abort);
    } catch (error) {
      if (error instanceof AbortError) throw error;
      throw failedToSend(request, error);
    } finally {
      clearTimeout(timer);
    }
    const headers = Object.fromEntries(keptHeaders.filter((name) => res.headers.has(name)).map((name) => [name, res.headers.get(name)!]));
    // After a 429 the Retry-After wait governs, charged to the retry budget.
    if (res.status !== 429 && headers['x-ratelimit-remaining'] === '0') {
      blockedUntil = now() + (parseRateLimitWindowMs(headers['x-ratelimit-policy']) ?? 60_000);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: body stays undefined (JSON.parse never returns undefined).
    }
    const response: HttpResponse = { method: request.method, url: request.url, status: res.status, headers, text, body, attempts };
    if (res.status === 429) {
      const retryAfterMs = parseRetryAfterMs(headers['retry-after'], now()) ?? parseRateLimitWindowMs(headers['x-ratelimit-policy']);
      throw new Transient('status 429 (Too many requests)', 'rate-limited', retryAfterMs, response);
    }
    if (res.status >= 500) {
      throw new Transient(`status ${res.status}`, 'unavailable', parseRetryAfterMs(headers['retry-after'], now()), response);
    }
    if (res.ok && body === undefined) throw new Transient('invalid JSON body', 'malformed', undefined, response);
    return response;
  }

  /** The error a request ends in when its last transient failure gets no further try. */
  function giveUp(request: HttpRequest, failure: Transient, attempts: number, why: string): FetchError {
    if (failure.kind === 'malformed') {
      return new FetchError(
        `StatBank answered ${request.method} ${request.url} with a body that is not valid JSON (${failure.response!.text.length} characters). ` +
          `Gave up: ${why}. The response was cut short or is not an API answer; nothing was stored. Try again later.`,
        context(request, { status: failure.response!.status, attempts, reason: 'malformed' }),
      );
    }
    if (failure.response) {
      const error = httpFailure(failure.response, request.table, maxCells, why);
      return failure.kind === 'rate-limited' ? error : new OfflineError(error.message, { ...error.context, why: 'unavailable' });
    }
    return new OfflineError(
      `StatBank is unavailable: ${failure.reason}: ${request.method} ${request.url}. Gave up: ${why}. StatBank may be slow or in maintenance ` +
        '(around 05:00 and 11:30 Oslo time); nothing was stored. Try again later.',
      { ...context(request, { attempts, reason: 'network' }), why: 'unavailable' },
    );
  }

  async function run(request: HttpRequest): Promise<HttpResponse> {
    let waitedMs = 0;
    let jsonRetried = false;
    return pRetry(
      async (attempt) => {
        const pause = blockedUntil - now();
        if (pause > 0) {
          log?.(`StatBank: rate limit reached; waiting ${Math.ceil(pause / 1000)} s for the next window`);
          await sleep(pause);
        }
        return attemptOnce(request, attempt);
      },
      {
        retries: maxRetries,
        // The waits are taken in onFailedAttempt, through sleep, so tests need no real time.
        minTimeout: 0,
        async onFailedAttempt({ error, attemptNumber, retriesLeft }) {
          if (!(error instanceof Transient)) throw error;
          // A body that is not JSON gets one more try.
          if (error.kind === 'malformed' && jsonRetried) throw giveUp(request, error, attemptNumber, 'the body was not valid JSON a second time');
          if (error.kind === 'malformed') jsonRetried = true;
          const backoff = backoffBaseMs * 2 ** (attemptNumber - 1) * (0.5 + 0.5 * random());
          const wait = Math.round(error.retryAfterMs ?? backoff);
          const attempts = `${attemptNumber} attempt${attemptNumber === 1 ? '' : 's'}`;
          if (retriesLeft <= 0) throw giveUp(request, error, attemptNumber, `${attempts}, the most allowed (maxRetries ${maxRetries})`);
          if (waitedMs + wait > retryBudgetMs) {
            const why = `the next wait (${wait} ms) would pass the retry budget of ${retryBudgetMs} ms (${waitedMs} ms waited, ${attempts})`;
            throw giveUp(request, error, attemptNumber, why);
          }
          log?.(`StatBank: ${error.reason} on ${request.method} ${request.url}; retrying in ${wait} ms`);
          await sleep(wait);
          waitedMs += wait;
        },
      },
    );
  }

  return {
    send(request) {
      const result = queue.then(() => run(request));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

/** Problem JSON (`{type, title, status}`, v2) or `{error}` (v1): the short reason, if any. */
export function problemTitle(json: unknown): string | undefined {
  const { title, error } = (json ?? {}) as { title?: unknown; error?: unknown };
  return typeof title === 'string' ? title : typeof error === 'string' ? error : undefined;
}

/** A final non-2xx answer as a FetchError (reason 'status'); `gaveUp` says why retrying a transient status stopped. */
export function httpFailure(response: HttpResponse, table: string | undefined, maxCells: number, gaveUp?: string): FetchError {
  const { status, method, url } = response;
  const title = problemTitle(response.body);
  const stopped = gaveUp ? ` Gave up: ${gaveUp}.` : status < 500 && status !== 429 ? ' Not retried.' : '';
  const advice = adviceFor(status, title ?? '', response.text, maxCells);
  return new FetchError(`StatBank request failed with status ${status}${title ? ` (${title})` : ''}: ${method} ${url}.${stopped} ${advice}`, {
    url,
    method,
    status,
    ...(table === undefined ? {} : { table }),
    ...(title === undefined ? {} : { title }),
    attempts: response.attempts,
    reason: 'status',
  });
}

function adviceFor(status: number, title: string, text: string, maxCells: number): string {
  if (/too many (cells|values)/i.test(title) || (status === 403 && !title)) {
    return (
      `The selection covers more cells than StatBank allows in one request (${maxCells}); the selection must be split into smaller requests ` +
      '(pass dimensionSizes so the client can count the cells).'
    );
  }
  if (status === 500 && text.trim() === '') {
    return (
      'StatBank answers 500 with an empty body when a value code is repeated in the selection (or when it is failing); check the selection for ' +
      'a value code that appears twice, else try again later.'
    );
  }
  if (status >= 500) return 'StatBank is failing or in maintenance (around 05:00 and 11:30 Oslo time); try again later.';
  if (status === 429) {
    return "StatBank's rate limit (per IP address) is still exceeded; wait a minute and check that nothing else on this machine is calling StatBank.";
  }
  if (/non-existent table/i.test(title)) return 'Check the table id: the table may have been replaced (briefing tables <words> searches StatBank).';
  if (/non-existent|missing selection|illegal selection|parameter error|variable/i.test(title) || status === 400) {
    return "The selection does not match the table: compare the variable and value codes with the table's metadata.";
  }
  return 'Check the request and the API address (SSB_API_URL).';
}
