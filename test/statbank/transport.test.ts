import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejection } from '../support/statbank-fixtures.js';
import { OfflineError } from '../../pipeline/errors.js';
import { createStatbankClient } from '../../pipeline/statbank/client.js';
import {
  createTransport,
  maxBodyBytes,
  networkErrorCode,
  type HttpRequest,
  type StatbankEffects,
  type TransportOptions,
} from '../../pipeline/statbank/transport.js';
import { startReplayServer, type ReplayServer } from '../support/replay-server.js';

/**
 * The transport on Node's fetch against real servers on 127.0.0.1: a bare node:http server whose `handle` each
 * test sets (for answers the replay server doesn't make), and the replay server for oversize answers, a gzip bomb
 * and redirects. Waits go through a fake clock unless a test says otherwise.
 */

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let server: Server;
let base: string;
let handle: Handler;
let seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];

beforeEach(async () => {
  seen = [];
  handle = (_req, res) => res.writeHead(500).end('no handler');
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A clock that only moves when slept on, and a record of every sleep. */
function fakeClock(start = Date.parse('2026-03-02T09:00:00Z'), random = 1) {
  const sleeps: number[] = [];
  let now = start;
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    now += ms;
  };
  const effects: StatbankEffects = { now: () => now, sleep, random: () => random };
  return { sleeps, effects };
}

function transport(options: Partial<TransportOptions> = {}) {
  return createTransport({
    userAgent: 'briefing-test',
    requestTimeoutMs: 2000,
    retryBudgetMs: 5000,
    maxRetries: 4,
    backoffBaseMs: 20,
    maxCells: 1000,
    effects: fakeClock().effects,
    ...options,
  });
}

const get = (path: string): HttpRequest => ({ method: 'GET', url: `${base}${path}`, table: '10977' });
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('answers', () => {
  it('GET: status, kept headers, JSON parsed; sends the user agent and asks for JSON', async () => {
    handle = (_req, res) => json(res, 200, { id: '10977' }, { 'x-ratelimit-remaining': '7', 'x-other': 'dropped' });
    const res = await transport().send(get('/tables/10977'));
    expect(res).toMatchObject({ method: 'GET', status: 200, body: { id: '10977' }, attempts: 1 });
    expect(res.headers).toMatchObject({ 'content-type': 'application/json', 'x-ratelimit-remaining': '7' });
    expect(res.headers).not.toHaveProperty('x-other');
    expect(seen[0]!.headers).toMatchObject({ 'user-agent': 'briefing-test', accept: 'application/json' });
  });

  it('POST sends the body as JSON', async () => {
    handle = (req, res, body) => json(res, 200, { type: req.headers['content-type'], got: JSON.parse(body) });
    const selection = { selection: [{ variableCode: 'NACE2007', valueCodes: ['58-63', 'Total+K'] }] };
    const res = await transport().send({ method: 'POST', url: `${base}/tables/10977/data`, body: selection });
    expect(res.body).toEqual({ type: 'application/json', got: selection });
  });

  it('decodes UTF-8 once over the whole body (a character split across chunks) and drops a byte order mark', async () => {
    const bytes = Buffer.from('\uFEFF{"label":"Bruk av IKT i næringslivet – «sosiale medium» 😀"}', 'utf8');
    const cut = bytes.indexOf(Buffer.from('æ', 'utf8')) + 1; // inside the two bytes of "æ"
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 30);
    };
    const res = await transport().send(get('/text'));
    expect(res.text).toBe('{"label":"Bruk av IKT i næringslivet – «sosiale medium» 😀"}');
    expect(res.body).toEqual({ label: 'Bruk av IKT i næringslivet – «sosiale medium» 😀' });
  });

  it.each([
    ['gzip', 'gzip', gzipSync],
    ['br', 'br', brotliCompressSync],
    ['deflate (zlib)', 'deflate', deflateSync],
    ['deflate (raw)', 'deflate', deflateRawSync],
  ])('decompresses a %s answer', async (_name, encoding, compress) => {
    const doc = { label: 'Næringsliv', values: Array.from({ length: 200 }, (_, i) => i) };
    handle = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding }).end(compress(Buffer.from(JSON.stringify(doc))));
    expect((await transport().send(get('/zipped'))).body).toEqual(doc);
  });

  it('returns other 4xx at once, without retrying: the client decides what they mean', async () => {
    handle = (_req, res) => json(res, 404, { type: 'Not Found', title: 'Non-existent table', status: 404 });
    const clock = fakeClock();
    const res = await transport({ effects: clock.effects }).send(get('/tables/99999'));
    expect(res).toMatchObject({ status: 404, body: { title: 'Non-existent table' }, attempts: 1 });
    expect(seen).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('redirects', () => {
  it('a GET follows a 307 and then a relative 302', async () => {
    handle = (req, res) => {
      if (req.url === '/a/start') res.writeHead(307, { location: `${base}/a/kept` }).end();
      else if (req.url === '/a/kept') res.writeHead(302, { location: 'final' }).end('moved');
      else json(res, 200, { at: req.url });
    };
    const res = await transport().send(get('/a/start'));
    expect(res.body).toEqual({ at: '/a/final' });
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /a/start', 'GET /a/kept', 'GET /a/final']);
  });

  it.each([301, 302, 303, 307, 308] as const)('a %i on the data POST is refused: the selection would be lost; not followed, not retried', async (status) => {
    const replay = await startReplayServer();
    try {
      replay.setFault(/^POST /, { kind: 'redirect', status, location: `${replay.url}/elsewhere` }, Infinity);
      const clock = fakeClock();
      const client = createStatbankClient({ baseUrl: replay.v2Url, effects: clock.effects });
      const error = await rejection(client.data('03024', [{ variableCode: 'Tid', valueCodes: ['2025U01'] }]));
      expect(error).not.toBeInstanceOf(OfflineError);
      expect(error.context).toMatchObject({ reason: 'redirect', status, table: '03024', method: 'POST' });
      expect(error.message).toMatch(
        new RegExp(
          `^StatBank answered POST .*/tables/03024/data\\?lang=no&outputFormat=json-stat2 with a redirect \\(status ${status} to .*/elsewhere\\); a redirected POST would lose the selection`,
        ),
      );
      expect(replay.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/pxwebapi/v2/tables/03024/data']);
      expect(clock.sleeps).toEqual([]);
    } finally {
      await replay.close();
    }
  });
});

describe('the body bound', () => {
  let replay: ReplayServer;
  beforeEach(async () => {
    replay = await startReplayServer();
  });
  afterEach(async () => {
    await replay.close();
  });

  it('maxBodyBytes is cells x 64 bytes + 16 MiB', () => {
    expect(maxBodyBytes(800_000)).toBe(800_000 * 64 + 16 * 1024 * 1024);
    expect(maxBodyBytes(0)).toBe(16 * 1024 * 1024);
  });

  it.each([true, false])('an answer over the bound is refused (Content-Length declared: %s), once, nothing retried', async (declareLength) => {
    const bound = maxBodyBytes(1000);
    replay.setFault(/^POST /, { kind: 'oversize', bytes: bound + 1, declareLength }, Infinity);
    const clock = fakeClock();
    const client = createStatbankClient({ baseUrl: replay.v2Url, maxCells: 1000, effects: clock.effects });
    const error = await rejection(client.data('03024', [{ variableCode: 'Tid', valueCodes: ['2025U01'] }]));
    expect(error.context).toMatchObject({ reason: 'too-large', table: '03024' });
    expect(error.message).toMatch(new RegExp(`is larger than ${bound} bytes, the most a request of at most 1000 cells can need`));
    expect(error.message).toMatch(declareLength ? new RegExp(`its Content-Length says ${bound + 1} bytes`) : new RegExp(`more than ${bound} bytes arrived`));
    expect(error.message).toMatch(/not retried, and nothing was stored/);
    expect(replay.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('an answer just under the bound is read', async () => {
    const bound = maxBodyBytes(1000);
    replay.setFault(/^POST /, { kind: 'oversize', bytes: bound, declareLength: false });
    const [res] = await createStatbankClient({ baseUrl: replay.v2Url, maxCells: 1000 }).data('03024', [{ variableCode: 'Tid', valueCodes: ['2025U01'] }]);
    expect(res!.text).toHaveLength(bound);
  });

  it("a gzip bomb (2 MiB that inflates to 2 GiB) is abandoned at the bound, with StatBank's real cell limit", async () => {
    replay.setFault(/^POST /, { kind: 'gzipBomb', inflatedBytes: 2 * 1024 ** 3 }, Infinity);
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const error = await rejection(createStatbankClient({ baseUrl: replay.v2Url }).data('03024', [{ variableCode: 'Tid', valueCodes: ['2025U01'] }]));
    expect(error.context.reason).toBe('too-large');
    expect(error.message).toMatch(new RegExp(`more than ${maxBodyBytes(800_000)} bytes arrived after decompressing its gzip encoding`));
    expect(replay.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    // Reading the whole bomb would take 2 GiB and more; the bound keeps it to about 68 MB.
    expect(process.memoryUsage().rss - before).toBeLessThan(1024 ** 3);
  });
});

describe('retries (p-retry), waits and budget', () => {
  it('5xx is retried with exponential backoff and jitter (50-100 % of base x 2^n)', async () => {
    let n = 0;
    handle = (_req, res) => (++n <= 3 ? json(res, 503, { title: 'Service Unavailable' }) : json(res, 200, { ok: true }));
    const low = fakeClock(undefined, 0);
    await transport({ effects: low.effects, backoffBaseMs: 100 }).send(get('/x'));
    expect(low.sleeps).toEqual([50, 100, 200]);
    n = 0;
    const high = fakeClock(undefined, 0.999);
    await transport({ effects: high.effects, backoffBaseMs: 100 }).send(get('/x'));
    expect(high.sleeps).toEqual([100, 200, 400]);
  });

  it('Retry-After in seconds or as an HTTP date sets the wait', async () => {
    let n = 0;
    handle = (_req, res) => {
      n++;
      if (n === 1) json(res, 503, {}, { 'retry-after': '3' });
      else if (n === 2) json(res, 429, { title: 'Too many requests' }, { 'retry-after': 'Mon, 02 Mar 2026 09:00:10 GMT' });
      else json(res, 200, {});
    };
    const clock = fakeClock();
    const res = await transport({ effects: clock.effects, retryBudgetMs: 30_000 }).send(get('/x'));
    expect(clock.sleeps).toEqual([3000, 7000]); // 09:00:03 + 7 s = 09:00:10
    expect(res.attempts).toBe(3);
  });

  it('x-ratelimit-remaining 0 sits out the window of x-ratelimit-policy before the next request; the wait is not charged to the budget', async () => {
    handle = (_req, res) => json(res, 200, {}, { 'x-ratelimit-remaining': seen.length === 1 ? '0' : '5', 'x-ratelimit-policy': '40;w=60s' });
    const clock = fakeClock();
    const t = transport({ effects: clock.effects, retryBudgetMs: 100 });
    await t.send(get('/1'));
    expect(clock.sleeps).toEqual([]);
    await t.send(get('/2'));
    expect(clock.sleeps).toEqual([60_000]);
    await t.send(get('/3'));
    expect(clock.sleeps).toEqual([60_000]);
    expect(seen).toHaveLength(3);
  });

  it('stops before a wait that would pass the budget: 503 with Retry-After 3 and a 5 s budget gives two requests and one wait', async () => {
    handle = (_req, res) => json(res, 503, { title: 'Service Unavailable' }, { 'retry-after': '3' });
    const clock = fakeClock();
    const error = await rejection(transport({ effects: clock.effects, retryBudgetMs: 5000 }).send(get('/x')));
    expect(error).toBeInstanceOf(OfflineError);
    expect(error.context).toMatchObject({ why: 'unavailable', status: 503, attempts: 2, reason: 'status' });
    expect(error.message).toMatch(/Gave up: the next wait \(3000 ms\) would pass the retry budget of 5000 ms \(3000 ms waited, 2 attempts\)/);
    expect(clock.sleeps).toEqual([3000]);
    expect(seen).toHaveLength(2);
  });

  it('a 429 that outlasts the budget is a FetchError about the rate limit, not offline', async () => {
    handle = (_req, res) => json(res, 429, { title: 'Too many requests' }, { 'retry-after': '60' });
    const error = await rejection(transport({ retryBudgetMs: 30_000 }).send(get('/x')));
    expect(error).not.toBeInstanceOf(OfflineError);
    expect(error.context).toMatchObject({ status: 429, reason: 'status' });
    expect(error.message).toMatch(/rate limit/);
  });

  it('a 2xx whose body is cut JSON is retried once, then refused as malformed', async () => {
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[1,2,');
    const clock = fakeClock();
    const error = await rejection(transport({ effects: clock.effects }).send(get('/x')));
    expect(error.context).toMatchObject({ reason: 'malformed', attempts: 2 });
    expect(error.message).toMatch(/not valid JSON \(14 characters\)\. Gave up: the body was not valid JSON a second time\./);
    expect(seen).toHaveLength(2);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('one request at a time, in the order sent, whatever fails', async () => {
    let active = 0;
    let most = 0;
    handle = (req, res) => {
      most = Math.max(most, ++active);
      setTimeout(() => {
        active--;
        if (req.url === '/2') json(res, 400, { title: 'Parameter error' });
        else json(res, 200, { url: req.url });
      }, 20);
    };
    const t = transport();
    const answers = await Promise.all(['/1', '/2', '/3', '/4'].map((p) => t.send(get(p))));
    expect(answers.map((a) => a.status)).toEqual([200, 400, 200, 200]);
    expect(seen.map((r) => r.url)).toEqual(['/1', '/2', '/3', '/4']);
    expect(most).toBe(1);
  });
});

describe('network failures', () => {
  it('a server that never answers: each attempt times out, then OfflineError unavailable', async () => {
    handle = () => undefined;
    const error = await rejection(transport({ requestTimeoutMs: 150, maxRetries: 1 }).send(get('/slow')));
    expect(error).toBeInstanceOf(OfflineError);
    expect(error.context).toMatchObject({ why: 'unavailable', reason: 'network', attempts: 2 });
    expect(error.message).toMatch(/^StatBank is unavailable: timed out after 150 ms: GET .*\/slow\. Gave up: 2 attempts, the most allowed/);
    expect(seen).toHaveLength(2);
  });

  it('a timeout in the middle of the body counts as a timeout too, and is retried', async () => {
    handle = (_req, res) => {
      if (seen.length === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
      } else json(res, 200, { whole: true });
    };
    const res = await transport({ requestTimeoutMs: 200 }).send(get('/half'));
    expect(res.body).toEqual({ whole: true });
    expect(seen).toHaveLength(2);
  });

  it.each([
    ['with Content-Length', true],
    ['chunked', false],
  ])('a body cut short (%s) is a dropped connection: retried', async (_name, withLength) => {
    handle = (_req, res) => {
      if (seen.length > 1) return json(res, 200, { ok: true });
      res.writeHead(200, { 'content-type': 'application/json', ...(withLength ? { 'content-length': '1000' } : {}) });
      res.write('{"value":[1,2,');
      setTimeout(() => res.socket?.destroy(), 30);
    };
    const log: string[] = [];
    const res = await transport({ effects: { ...fakeClock().effects, log: (l) => log.push(l) } }).send(get('/cut'));
    expect(res.body).toEqual({ ok: true });
    expect(log).toEqual([expect.stringMatching(/^StatBank: connection dropped \(\w+\) on GET .*\/cut; retrying in 20 ms$/)]);
  });

  it('a refused connection is OfflineError unreachable at once: one try, no wait', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    let calls = 0;
    const clock = fakeClock();
    const t = transport({
      effects: {
        ...clock.effects,
        fetch: (input, init) => {
          calls++;
          return fetch(input, init);
        },
      },
    });
    const error = await rejection(t.send({ method: 'GET', url: `http://127.0.0.1:${port}/tables/10977` }));
    expect(error).toBeInstanceOf(OfflineError);
    expect(error.context).toMatchObject({ why: 'unreachable', code: 'ECONNREFUSED' });
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it.each(['ENOTFOUND', 'EAI_AGAIN'])('%s (as fetch reports it) is OfflineError unreachable at once', async (code) => {
    let calls = 0;
    const failing: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed', { cause: Object.assign(new Error(`getaddrinfo ${code} data.ssb.no`), { code }) });
    };
    const error = await rejection(transport({ effects: { ...fakeClock().effects, fetch: failing } }).send(get('/x')));
    expect(error).toBeInstanceOf(OfflineError);
    expect(error.context).toMatchObject({ why: 'unreachable', code });
    expect(error.message).toMatch(/could not be resolved/);
    expect(calls).toBe(1);
  });

  it('networkErrorCode finds the code in the cause chain or an AggregateError', () => {
    expect(networkErrorCode(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }))).toBe('ECONNRESET');
    expect(networkErrorCode(new TypeError('fetch failed', { cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]) }))).toBe(
      'ECONNREFUSED',
    );
    expect(networkErrorCode(new Error('plain'))).toBeUndefined();
  });
});

describe('a StatBank that answers 503 to everything', () => {
  it('ends in OfflineError unavailable within the budget (real waits)', async () => {
    const replay = await startReplayServer();
    try {
      replay.setFault(() => true, { kind: 'unavailable' }, Infinity);
      const started = Date.now();
      const client = createStatbankClient({ baseUrl: replay.v2Url, backoffBaseMs: 50, retryBudgetMs: 400, maxRetries: 10 });
      const error = await rejection(client.tableInfo('03013'));
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(OfflineError);
      expect(error.context).toMatchObject({ why: 'unavailable', status: 503, table: '03013' });
      // Waits of 25-50, 50-100, 100-200 ms fit 400 ms; the next (200-400) would not, whatever the jitter.
      expect(replay.requests.length).toBeGreaterThanOrEqual(3);
      expect(replay.requests.length).toBeLessThanOrEqual(5);
      expect(elapsed).toBeLessThan(3000);
    } finally {
      await replay.close();
    }
  });
});
