import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpFetch } from '../../pipeline/io/http-fetch.js';
import { networkErrorCode } from '../../pipeline/statbank/transport.js';

/**
 * httpFetch against a real node:http server on 127.0.0.1: each test sets `handle` to answer the requests it makes;
 * `seen` records every request the server got (method, path, headers, body).
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

const rejection = (promise: Promise<unknown>): Promise<any> =>
  promise.then(() => { throw new Error('expected a rejection'); }, (error: unknown) => error);

describe('httpFetch', () => {
  it('GET: status, status text, headers in any case, body; sends no accept-encoding', async () => {
    handle = (_req, res) => res.writeHead(201, { 'content-type': 'text/plain', 'x-ratelimit-remaining': '7' }).end('hello');
    const res = await httpFetch(`${base}/tables/10977`, { headers: { 'User-Agent': 'briefing-test' } });
    expect(res).toMatchObject({ status: 201, ok: true, statusText: 'Created', url: `${base}/tables/10977`, redirected: false });
    expect(res.headers.get('X-RateLimit-Remaining')).toBe('7');
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('etag')).toBeNull();
    expect(await res.text()).toBe('hello');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/tables/10977', body: '' });
    expect(seen[0]!.headers['user-agent']).toBe('briefing-test');
    expect(seen[0]!.headers).not.toHaveProperty('accept-encoding');
  });

  it('a 404 resolves (not ok) with its body', async () => {
    handle = (_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"title":"Non-existent table"}');
    const res = await httpFetch(`${base}/tables/99999`);
    expect(res.status).toBe(404);
    expect(res.ok).toBe(false);
    expect(await res.json()).toEqual({ title: 'Non-existent table' });
  });

  it('POST with a JSON body and content type', async () => {
    handle = (req, res, body) => res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], got: JSON.parse(body) }));
    const sent = { selection: [{ code: 'NACE2007', values: ['58-63', 'ø'] }] };
    const res = await httpFetch(`${base}/tables/10977/data`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sent),
    });
    expect(await res.json()).toEqual({
      method: 'POST', type: 'application/json', length: String(Buffer.byteLength(JSON.stringify(sent))), got: sent,
    });
  });

  it('decodes UTF-8 once over the whole body: a character split across two chunks comes out whole', async () => {
    const text = 'Bruk av IKT i næringslivet – «sosiale medier» 😀';
    const bytes = Buffer.from(text, 'utf8');
    const cut = bytes.indexOf(Buffer.from('æ', 'utf8')) + 1; // inside the two bytes of "æ"
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 30); // a separate write, so a separate chunk
    };
    const res = await httpFetch(`${base}/text`);
    expect(await res.text()).toBe(text);
  });

  it('follows a 307 (method and body kept) then a 302 (POST becomes a body-less GET)', async () => {
    handle = (req, res) => {
      if (req.url === '/start') res.writeHead(307, { location: `${base}/kept` }).end();
      else if (req.url === '/kept') res.writeHead(302, { location: '/final' }).end('moved');
      else res.writeHead(200).end(`${req.method} ${req.url}`);
    };
    const res = await httpFetch(`${base}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await res.text()).toBe('GET /final');
    expect(res).toMatchObject({ status: 200, url: `${base}/final`, redirected: true });
    expect(seen.map((r) => [r.method, r.url, r.body, r.headers['content-type']])).toEqual([
      ['POST', '/start', '{"a":1}', 'application/json'],
      ['POST', '/kept', '{"a":1}', 'application/json'],
      ['GET', '/final', '', undefined],
    ]);
  });

  it('resolves a relative Location against the current URL', async () => {
    handle = (req, res) => {
      if (req.url === '/a/b/page') res.writeHead(301, { location: 'c/next?x=1' }).end();
      else if (req.url === '/a/b/c/next?x=1') res.writeHead(308, { location: '../up' }).end(); // relative to /a/b/c/
      else res.writeHead(200).end(`at ${req.url}`);
    };
    const res = await httpFetch(`${base}/a/b/page`);
    expect(await res.text()).toBe('at /a/b/up');
    expect(res.url).toBe(`${base}/a/b/up`);
    expect(seen.map((r) => r.url)).toEqual(['/a/b/page', '/a/b/c/next?x=1', '/a/b/up']);
  });

  it('stops after 20 redirects with a TypeError', async () => {
    handle = (_req, res) => res.writeHead(302, { location: '/again' }).end();
    const error = await rejection(httpFetch(`${base}/loop`));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/more than 20 redirects/);
    expect(seen).toHaveLength(21);
  });

  it('follows a redirect at its headers, without waiting for a body that never ends', async () => {
    handle = (req, res) => {
      if (req.url === '/slow-redirect') {
        res.writeHead(302, { location: '/there' });
        res.write('moved, and this body never ends');
      } else res.writeHead(200).end('arrived');
    };
    const res = await httpFetch(`${base}/slow-redirect`, { signal: AbortSignal.timeout(2000) });
    expect(await res.text()).toBe('arrived');
    expect(res.headers.get('constructor')).toBeNull(); // only the answer's own headers
    expect(res.headers.has('toString')).toBe(false);
  });

  it('AbortSignal.timeout on a server that never answers: rejects with TimeoutError and closes the socket', async () => {
    let socketClosed!: Promise<void>;
    handle = (req) => {
      socketClosed = new Promise((resolve) => req.socket.once('close', () => resolve()));
    };
    const started = Date.now();
    const error = await rejection(httpFetch(`${base}/slow`, { signal: AbortSignal.timeout(150) }));
    expect(error.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(seen).toHaveLength(1);
    await socketClosed; // times out the test if the client kept the socket open
  });

  it('a timeout in the middle of the body rejects too (the body is part of the request)', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    };
    const error = await rejection(httpFetch(`${base}/half`, { signal: AbortSignal.timeout(150) }));
    expect(error.name).toBe('TimeoutError');
  });

  it('an already aborted signal rejects with its reason before any request', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const error = await rejection(httpFetch(`${base}/x`, { signal: controller.signal }));
    expect(error.message).toBe('stop');
    expect(seen).toHaveLength(0);
  });

  it('a refused connection rejects with code ECONNREFUSED', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await rejection(httpFetch(`http://127.0.0.1:${port}/tables`));
    expect(error.code).toBe('ECONNREFUSED');
    expect(networkErrorCode(error)).toBe('ECONNREFUSED');
  });

  it('a body cut short of its Content-Length rejects with a code', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"value":[1,2,');
      setTimeout(() => res.socket?.destroy(), 30);
    };
    const error = await rejection(httpFetch(`${base}/cut`));
    expect(error.code).toBe('ECONNRESET');
    expect(networkErrorCode(error)).toBe('ECONNRESET');
    expect(error.message).toMatch(/closed before the whole body arrived \(14 bytes of 1000\)/);
  });

  it('a chunked body ended by the socket closing rejects with a code', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // no length: chunked
      res.write('{"value":[1,2,');
      setTimeout(() => res.socket?.destroy(), 30);
    };
    const error = await rejection(httpFetch(`${base}/cut`));
    expect(networkErrorCode(error)).toBe('ECONNRESET');
  });

  it.each([
    ['gzip', 'gzip', gzipSync],
    ['br', 'br', brotliCompressSync],
    ['deflate (zlib)', 'deflate', deflateSync],
    ['deflate (raw)', 'deflate', deflateRawSync],
  ])('decompresses a %s answer the client did not ask for', async (_name, encoding, compress) => {
    const text = JSON.stringify({ label: 'Næringsliv', values: Array.from({ length: 200 }, (_, i) => i) });
    handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding }).end(compress(Buffer.from(text)));
    const res = await httpFetch(`${base}/zipped`);
    expect(await res.text()).toBe(text);
  });

  it('the body can be read once, as fetch allows', async () => {
    handle = (_req, res) => res.writeHead(200).end('once');
    const res = await httpFetch(`${base}/once`);
    expect(new TextDecoder().decode(await res.arrayBuffer())).toBe('once');
    expect(res.bodyUsed).toBe(true);
    await expect(res.text()).rejects.toThrow(TypeError);
  });
});
