import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../pipeline/io/paths.js';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * A real HTTP server on 127.0.0.1 (random port) that replays StatBank responses recorded from SSB
 * (test/fixtures/ssb/) under PxWebApi v2 (/api/pxwebapi/v2/...) and v1 (/api/v0/no/table/{id}) routes, sends
 * `x-ratelimit-*` headers (and answers 429 itself once the window's limit is passed), records every request, and
 * produces faults on demand. Routes ignore the query string; POST data routes answer the recorded data whatever
 * the selection (the selection is in `requests`). A `handler` answers what no route does (the stand-in,
 * test/support/standin.ts, serves its tables through it).
 */

export const v2Prefix = '/api/pxwebapi/v2';
export const v1Prefix = '/api/v0';

export interface ReplayResponse {
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body: unknown;
}
export type RouteHandler = ReplayResponse | ((request: RecordedRequest) => ReplayResponse);

export interface RecordedRequest {
  method: string;
  path: string;
  /** Query string without `?`. */
  query: string;
  /** The JSON body parsed; the raw text when it isn't JSON; undefined when empty. */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** Arrival, epoch ms. */
  at: number;
  /** Requests in progress when this one arrived, itself included: 1 means one at a time. */
  concurrent: number;
  /** Status sent (set when the answer starts). */
  status?: number;
}

export type ReplayFault =
  | { kind: 'tooManyRequests'; retryAfter?: string } // 429 Problem JSON with Retry-After (seconds or HTTP date)
  | { kind: 'unavailable' } // 503 Problem JSON, as during maintenance
  | { kind: 'slow'; delayMs: number } // the normal answer, delayMs late
  | { kind: 'truncated' } // 200 with the normal body cut in half (well-framed)
  | { kind: 'emptyServerError' } // 500 with an empty body (a repeated value code)
  | { kind: 'problem'; status: number; title: string; type?: string } // e.g. 400 Non-existent value, 403 Too many cells selected
  | { kind: 'gone' } // 404 HTML, as if the API had been removed
  | { kind: 'destroy' } // headers and half the body, then the socket is destroyed
  // 200 JSON of `bytes` bytes, streamed; with `declareLength` false it is chunked (no Content-Length).
  | { kind: 'oversize'; bytes: number; declareLength?: boolean }
  // 200 `content-encoding: gzip` whose body inflates to `inflatedBytes` of spaces (1 MiB gzip members, ~1 KiB each).
  | { kind: 'gzipBomb'; inflatedBytes: number }
  // A redirect (307 keeps a POST's method and body) to `location` (default: the same path on this server).
  | { kind: 'redirect'; status?: 301 | 302 | 303 | 307 | 308; location?: string };

/** An exact path (query ignored), a RegExp tested against `METHOD /path`, or a predicate. */
export type RouteMatcher = string | RegExp | ((request: RecordedRequest) => boolean);

export interface ReplayServerOptions {
  /** Requests allowed per window before the server answers 429 itself. @default 40 */
  rateLimit?: number;
  /** Rate-limit window in seconds, sent as `x-ratelimit-policy: <limit>;w=<s>s`. @default 60 */
  windowSeconds?: number;
  /** Serve the recorded SSB answers of test/fixtures/ssb/. @default true */
  recorded?: boolean;
  /** Answers a request no route matches; undefined leaves it to the 404s. */
  handler?: (request: RecordedRequest) => ReplayResponse | undefined;
  /** @default 0 (a free port) */
  port?: number;
}

export interface ReplayServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `${url}/api/pxwebapi/v2`, the client's baseUrl. */
  v2Url: string;
  requests: RecordedRequest[];
  /** Keyed `METHOD /path`; set entries to add or replace routes. */
  routes: Map<string, RouteHandler>;
  addJsonRoute(method: 'GET' | 'POST', path: string, body: unknown, status?: number): void;
  /** The next `times` requests matching `matcher` get `fault` instead of their answer. @default times 1 */
  setFault(matcher: RouteMatcher, fault: ReplayFault, times?: number): void;
  clearFaults(): void;
  close(): Promise<void>;
}

// From the project root, so the compiled copy under dist/ (the bench, the soak) finds them too.
const fixtures = pathToFileURL(join(projectRoot, 'test/fixtures/ssb/'));
const fixture = (name: string) => readFileSync(new URL(name, fixtures), 'utf8');

function recordedRoutes(): Map<string, RouteHandler> {
  const routes = new Map<string, RouteHandler>();
  const json = (text: string): ReplayResponse => ({ body: text, headers: { 'content-type': 'application/json; charset=utf-8' } });
  const v2 = (path: string, file: string, methods = ['GET']) => {
    for (const m of methods) routes.set(`${m} ${v2Prefix}${path}`, json(fixture(`v2/${file}`)));
  };
  v2('/config', 'config_v2beta.json');
  v2('/tables/03013', '03013_table_info_no.json');
  v2('/tables/11118/metadata', '11118_metadata_no_jsonstat2.json');
  v2('/tables/11118/data', '11118_data_no_default_jsonstat2.json', ['GET', 'POST']);
  v2('/tables/03024/data', '03024_data_POST_no_jsonstat2.json', ['GET', 'POST']);
  v2('/tables/13615/data', '13615_data_v2beta_jsonstat2.json', ['GET', 'POST']);
  const v1 = (id: string, metadata: string, data: string) => {
    routes.set(`GET ${v1Prefix}/no/table/${id}`, json(metadata));
    routes.set(`POST ${v1Prefix}/no/table/${id}`, json(data));
  };
  v1('05300', fixture('v0/05300_v0_metadata.json'), fixture('v0/05300_v0_data_jsonstat2.json'));
  v1('13265', fixture('v0/13265_v0_metadata.json'), fixture('v0/13265_v0_data_jsonstat2.json'));
  const wrapped = JSON.parse(fixture('v0/14306_v0_metadata_and_data.json')) as { metadata: unknown; dataset: unknown };
  v1('14306', JSON.stringify(wrapped.metadata), JSON.stringify(wrapped.dataset));
  return routes;
}

const problemJson = (status: number, title: string, type = title) => ({
  status,
  headers: { 'content-type': 'application/problem+json; charset=utf-8' },
  body: { type, title, status },
});
const notFoundHtml: ReplayResponse = {
  status: 404,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: '<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>',
};

/** `{"pad":"    …"}` of exactly `bytes` bytes (at least 10), in 64 KiB pieces. */
function* oversizeChunks(bytes: number): Generator<Buffer> {
  const head = Buffer.from('{"pad":"');
  const tail = Buffer.from('"}');
  const piece = Buffer.alloc(64 * 1024, 0x20);
  yield head;
  for (let left = Math.max(0, bytes - head.length - tail.length); left > 0; left -= piece.length) {
    yield left >= piece.length ? piece : piece.subarray(0, left);
  }
  yield tail;
}

/** Concatenated gzip members (a valid gzip stream) that inflate to `inflatedBytes` spaces: ~1 KiB per MiB. */
function* gzipBombChunks(inflatedBytes: number): Generator<Buffer> {
  const mib = 1024 * 1024;
  const member = gzipSync(Buffer.alloc(mib, 0x20), { level: 9 });
  for (let left = inflatedBytes; left > 0; left -= mib) yield left >= mib ? member : gzipSync(Buffer.alloc(left, 0x20));
}

/** Streams `chunks` with backpressure, stopping when the client goes away. */
function stream(res: ServerResponse, r: RecordedRequest, rateHeaders: Record<string, string>, chunks: Iterator<Buffer>, headers: Record<string, string>): void {
  if (res.destroyed) return;
  r.status = 200;
  res.writeHead(200, { ...headers, ...rateHeaders });
  const pump = (): void => {
    while (!res.destroyed) {
      const next = chunks.next();
      if (next.done) {
        res.end();
        return;
      }
      if (!res.write(next.value)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

export async function startReplayServer(options: ReplayServerOptions = {}): Promise<ReplayServer> {
  const limit = options.rateLimit ?? 40;
  const windowMs = (options.windowSeconds ?? 60) * 1000;
  const routes = options.recorded === false ? new Map<string, RouteHandler>() : recordedRoutes();
  const requests: RecordedRequest[] = [];
  const faults: { matcher: RouteMatcher; fault: ReplayFault; left: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let window = { start: 0, count: 0 };

  const matches = (m: RouteMatcher, r: RecordedRequest) =>
    typeof m === 'string' ? m === r.path : m instanceof RegExp ? m.test(`${r.method} ${r.path}`) : m(r);

  function normalAnswer(r: RecordedRequest): ReplayResponse {
    const route = routes.get(`${r.method} ${r.path}`);
    if (route) return typeof route === 'function' ? route(r) : route;
    const handled = options.handler?.(r);
    if (handled) return handled;
    if (r.path.startsWith(`${v2Prefix}/tables/`)) return problemJson(404, 'Non-existent table', 'Not Found');
    return notFoundHtml;
  }

  function send(res: ServerResponse, r: RecordedRequest, answer: ReplayResponse, rateHeaders: Record<string, string>, cut?: 'truncate' | 'destroy'): void {
    if (res.destroyed) return;
    const full = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const bytes = Buffer.from(full, 'utf8');
    const body = cut ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes;
    r.status = answer.status ?? 200;
    res.writeHead(r.status, {
      'content-type': 'application/json; charset=utf-8',
      ...answer.headers,
      ...rateHeaders,
      'content-length': String(cut === 'destroy' ? bytes.length : body.length),
    });
    if (cut === 'destroy') {
      res.write(body, () => res.destroy());
      return;
    }
    res.end(body);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text === '' ? undefined : text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        /* keep the raw text */
      }
      inFlight++;
      res.on('close', () => inFlight--);
      const r: RecordedRequest = { method: req.method ?? 'GET', path, query, body, headers: req.headers, at: Date.now(), concurrent: inFlight };
      requests.push(r);

      const now = Date.now();
      if (now - window.start >= windowMs) window = { start: now, count: 0 };
      window.count++;
      const rateHeaders = {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - window.count)),
        'x-ratelimit-policy': `${limit};w=${windowMs / 1000}s`,
      };
      if (window.count > limit) {
        const retryAfter = String(Math.max(1, Math.ceil((window.start + windowMs - now) / 1000)));
        const tooMany = problemJson(429, 'Too many requests');
        return send(res, r, { ...tooMany, headers: { ...tooMany.headers, 'retry-after': retryAfter } }, rateHeaders);
      }

      const entry = faults.find((f) => f.left > 0 && matches(f.matcher, r));
      if (entry) entry.left--;
      const fault = entry?.fault;
      switch (fault?.kind) {
        case undefined:
          return send(res, r, normalAnswer(r), rateHeaders);
        case 'tooManyRequests': {
          const p = problemJson(429, 'Too many requests');
          return send(res, r, { ...p, headers: { ...p.headers, 'retry-after': fault.retryAfter ?? '1' } }, rateHeaders);
        }
        case 'unavailable':
          return send(res, r, problemJson(503, 'Service Unavailable'), rateHeaders);
        case 'problem':
          return send(res, r, problemJson(fault.status, fault.title, fault.type), rateHeaders);
        case 'emptyServerError':
          return send(res, r, { status: 500, body: '', headers: { 'content-type': 'text/plain' } }, rateHeaders);
        case 'gone':
          return send(res, r, notFoundHtml, rateHeaders);
        case 'truncated':
          return send(res, r, normalAnswer(r), rateHeaders, 'truncate');
        case 'destroy':
          return send(res, r, normalAnswer(r), rateHeaders, 'destroy');
        case 'oversize':
          return stream(res, r, rateHeaders, oversizeChunks(fault.bytes), {
            'content-type': 'application/json; charset=utf-8',
            ...(fault.declareLength === false ? {} : { 'content-length': String(fault.bytes) }),
          });
        case 'gzipBomb':
          return stream(res, r, rateHeaders, gzipBombChunks(fault.inflatedBytes), {
            'content-type': 'application/json; charset=utf-8',
            'content-encoding': 'gzip',
          });
        case 'redirect': {
          const location = fault.location ?? `${r.path}${r.query ? `?${r.query}` : ''}`;
          return send(res, r, { status: fault.status ?? 307, headers: { location }, body: '' }, rateHeaders);
        }
        case 'slow': {
          const timer = setTimeout(() => {
            timers.delete(timer);
            send(res, r, normalAnswer(r), rateHeaders);
          }, fault.delayMs);
          timers.add(timer);
        }
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    v2Url: `${url}${v2Prefix}`,
    requests,
    routes,
    addJsonRoute(method, path, body, status = 200) {
      routes.set(`${method} ${path}`, { status, body, headers: { 'content-type': 'application/json; charset=utf-8' } });
    },
    setFault(matcher, fault, times = 1) {
      faults.push({ matcher, fault, left: times });
    },
    clearFaults() {
      faults.length = 0;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
