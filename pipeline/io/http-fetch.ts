import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * A small `fetch` for the briefing's own requests (StatBank and the release calendar), built on node:http and
 * node:https.
 *
 * Why it exists: startup time. Node's global `fetch` is undici, and loading undici costs about 50 ms on first use,
 * which on a run whose data has not changed is a third of the whole run. node:http loads in a few milliseconds, and
 * this module loads it (or node:https, or node:zlib) only when a request needs it.
 *
 * It covers the subset of `fetch` the pipeline uses, with the same behaviour where it matters:
 * - GET/POST/..., a headers object and a string body;
 * - redirects followed as fetch does by default (301/302 turn a POST into a body-less GET, 303 turns anything but
 *   GET/HEAD into one, 307/308 keep method and body), at most 20, relative `Location`s resolved;
 * - `signal`: when it aborts, the request's socket is destroyed and the promise rejects with `signal.reason`
 *   (an `AbortSignal.timeout` gives an error named "TimeoutError", as with fetch);
 * - no `accept-encoding` is sent, but a gzip, deflate or br answer is still decompressed.
 *
 * Where it differs:
 * - the promise resolves once the whole body has arrived (fetch resolves at the headers), so `signal` covers the
 *   body too and the body methods fail only on a second read (TypeError) or, for `json()`, on invalid JSON;
 * - a network error rejects with Node's own error, which carries `code` (ECONNREFUSED, ENOTFOUND, ECONNRESET, ...),
 *   not with fetch's `TypeError('fetch failed')` holding it in `cause`; a body cut short (the connection closed
 *   before its end) rejects with an error whose `code` is ECONNRESET;
 * - `headers` has only `get` and `has` (a real `Headers` would load undici);
 * - no cookies, cache, credentials or streaming.
 * Unsupported protocols and too many redirects reject with a TypeError, as fetch does.
 */

export interface HttpFetchInit {
  /** @default 'GET' */
  method?: string;
  headers?: Record<string, string>;
  body?: string | null;
  signal?: AbortSignal | null;
}

export interface HttpFetchHeaders {
  /** The value of a response header (name in any case); repeated headers joined with ", "; null if absent. */
  get(name: string): string | null;
  has(name: string): boolean;
}

/** The part of `Response` the pipeline reads; a real `Response` has all of it. */
export interface HttpFetchResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly statusText: string;
  /** The final URL, after redirects. */
  readonly url: string;
  readonly redirected: boolean;
  readonly headers: HttpFetchHeaders;
  readonly bodyUsed: boolean;
  /** The body decoded as UTF-8, a leading byte order mark removed. */
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** What the pipeline needs of a fetch function: `httpFetch`, or the global `fetch` (tests use both). */
export type FetchLike = (input: string | URL, init?: HttpFetchInit) => Promise<HttpFetchResponse>;

const maxRedirects = 20;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
/** Request headers about the body, dropped when a redirect turns the request into a body-less GET. */
const bodyHeaders = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
/** Request headers not sent on to another origin. */
const credentialHeaders = ['authorization', 'cookie', 'proxy-authorization'];

interface Answer {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export const httpFetch: FetchLike = async (input, init = {}) => {
  const signal = init.signal ?? undefined;
  let url = new URL(String(input));
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body ?? undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;

  for (let redirects = 0; ; redirects++) {
    const answer = await exchange(url, method, headers, body, signal);
    const location = answer.headers.location;
    if (!redirectStatuses.has(answer.status) || location === undefined) return toResponse(answer, url, redirects > 0);
    if (redirects === maxRedirects) {
      throw new TypeError(`httpFetch: more than ${maxRedirects} redirects (the last to ${location}) from ${String(input)}`);
    }
    const next = new URL(location, url);
    if ((answer.status === 303 && method !== 'GET' && method !== 'HEAD') ||
      ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      for (const name of bodyHeaders) delete headers[name];
    }
    if (next.origin !== url.origin) for (const name of credentialHeaders) delete headers[name];
    url = next;
  }
};

/** One request and its whole (decompressed) answer, redirects not followed. */
async function exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined,
  signal: AbortSignal | undefined): Promise<Answer> {
  signal?.throwIfAborted();
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`httpFetch: only http and https URLs are supported, not ${url.protocol} (${url.href})`);
  }
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  signal?.throwIfAborted();
  const sent: Record<string, string> = { accept: '*/*', ...headers };
  if (body !== undefined) sent['content-length'] = String(Buffer.byteLength(body));
  else if (method === 'POST' || method === 'PUT' || method === 'PATCH') sent['content-length'] = '0';

  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, answer?: Answer) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (answer) resolve(answer);
      else reject(error);
    };
    const req = request(url, { method, headers: sent });
    const onAbort = () => {
      settle(signal!.reason);
      req.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // A failure to resolve, connect or send: Node's error as it is, with its `code`.
    req.on('error', (error) => settle(error));
    req.on('response', (res: IncomingMessage) => {
      if (redirectStatuses.has(res.statusCode ?? 0) && res.headers.location !== undefined) {
        // A redirect is followed without waiting for its body, which nobody reads (and which may never end).
        settle(undefined, { status: res.statusCode!, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.alloc(0) });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      const cutShort = (cause?: Error) => {
        const expected = res.headers['content-length'];
        settle(Object.assign(
          new Error(`httpFetch: the connection closed before the whole body arrived (${received} bytes` +
            `${expected === undefined ? '' : ` of ${expected}`}): ${method} ${url.href}`, cause ? { cause } : {}),
          { code: (cause as NodeJS.ErrnoException | undefined)?.code ?? 'ECONNRESET' }));
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
      });
      res.on('error', (error) => cutShort(error));
      res.on('close', () => {
        if (!res.complete) cutShort();
      });
      res.on('end', () => {
        decompress(Buffer.concat(chunks), res.headers['content-encoding']).then(
          (decoded) => settle(undefined, { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: decoded }),
          (error: unknown) => settle(error),
        );
      });
    });
    req.end(body);
  });
}

/** Undo `content-encoding` (codings applied in order, so undone in reverse); an unknown coding leaves the body as it is. */
async function decompress(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  const codings = (encoding ?? '').toLowerCase().split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0 || body.length === 0) return body;
  if (!codings.every((c) => ['gzip', 'x-gzip', 'deflate', 'br'].includes(c))) return body;
  const zlib = await import('node:zlib');
  for (const coding of codings.reverse()) {
    const input = body;
    body = await new Promise<Buffer>((resolve, reject) => {
      const done = (error: Error | null, output: Buffer) => (error ? reject(error) : resolve(output));
      if (coding === 'br') zlib.brotliDecompress(input, done);
      else if (coding === 'deflate') {
        // "deflate" should be zlib-wrapped (RFC 9110) but some servers send it raw: tell them apart by the zlib header.
        const wrapped = input.length >= 2 && (input[0]! & 0x0f) === 8 && ((input[0]! << 8) | input[1]!) % 31 === 0;
        if (wrapped) zlib.inflate(input, done);
        else zlib.inflateRaw(input, done);
      } else zlib.gunzip(input, done);
    });
  }
  return body;
}

function toResponse(answer: Answer, url: URL, redirected: boolean): HttpFetchResponse {
  let used = false;
  const take = (): Buffer => {
    if (used) throw new TypeError('httpFetch: the body has already been read');
    used = true;
    return answer.body;
  };
  const text = (): string => take().toString('utf8').replace(/^\uFEFF/, '');
  const header = (name: string): string | null => {
    const key = name.toLowerCase();
    const value = Object.hasOwn(answer.headers, key) ? answer.headers[key] : undefined;
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    status: answer.status,
    ok: answer.status >= 200 && answer.status < 300,
    statusText: answer.statusText,
    url: url.href,
    redirected,
    headers: { get: header, has: (name) => header(name) !== null },
    get bodyUsed() {
      return used;
    },
    text: async () => text(),
    json: async () => JSON.parse(text()) as unknown,
    arrayBuffer: async () => new Uint8Array(take()).buffer,
  };
}
