import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejection } from '../support/statbank-fixtures.js';
import { OfflineError } from '../../pipeline/errors.js';
import { createStatbankClient, type StatbankClientOptions } from '../../pipeline/statbank/client.js';
import { splitSelection, toV1Query, type Selection } from '../../pipeline/statbank/selection.js';
import { parseRateLimitWindowMs, parseRetryAfterMs } from '../../pipeline/statbank/transport.js';
import { startReplayServer, type ReplayServer } from '../support/replay-server.js';

/**
 * The StatBank client against a real HTTP server on 127.0.0.1 replaying SSB's recorded answers. Waits are real
 * unless a test hands in a fake clock; budgets and backoffs are small so the file stays fast.
 */

let server: ReplayServer;
beforeEach(async () => {
  server = await startReplayServer();
});
afterEach(async () => {
  await server.close();
});

const client = (options: StatbankClientOptions = {}) =>
  createStatbankClient({ baseUrl: server.v2Url, backoffBaseMs: 20, retryBudgetMs: 5000, requestTimeoutMs: 2000, ...options });

/** A clock that only moves when slept on, and a record of every sleep. */
function fakeClock(start = Date.parse('2026-03-02T09:00:00Z')) {
  const sleeps: number[] = [];
  let now = start;
  return {
    sleeps,
    effects: {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
      random: () => 1,
    },
  };
}

const salmon: Selection = [
  { variableCode: 'VareGrupper2', valueCodes: ['01', '02'] },
  { variableCode: 'ContentsCode', valueCodes: ['Vekt', 'Kilopris'] },
  { variableCode: 'Tid', valueCodes: Array.from({ length: 48 }, (_, i) => `2025U${String(i + 1).padStart(2, '0')}`) },
];
const dataUrl = (id: string) => `${server.v2Url}/tables/${id}/data?lang=no&outputFormat=json-stat2`;

describe('happy paths on PxWebApi v2', () => {
  it('tableInfo reads id, label, updated, periods and discontinued', async () => {
    const info = await client().tableInfo('03013');
    expect(info).toMatchObject({
      id: '03013',
      updated: '2024-11-11T07:00:00Z',
      firstPeriod: '1979M01',
      lastPeriod: '2024M10',
      discontinued: null,
      api: 'v2',
    });
    expect(info.label).toMatch(/^03013: Konsumprisindeks/);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/api/pxwebapi/v2/tables/03013', query: 'lang=no' });
    expect(server.requests[0]!.headers['user-agent']).toMatch(/^ssb-briefing\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/ssb-briefing\)$/);
  });

  it('metadata returns the JSON-stat metadata as parsed JSON and raw text', async () => {
    const res = await client().metadata('11118');
    expect(res).toMatchObject({ api: 'v2', status: 200, url: `${server.v2Url}/tables/11118/metadata?lang=no&outputFormat=json-stat2` });
    expect(res.body).toMatchObject({ class: 'dataset', id: ['Leveringssektor', 'ContentsCode', 'Tid'], size: [14, 2, 9] });
    expect(JSON.parse(res.text)).toEqual(res.body);
    expect(res.headers['x-ratelimit-policy']).toBe('40;w=60s');
  });

  it('data POSTs the selection and returns one response when it fits', async () => {
    const [res, ...rest] = await client().data('03024', salmon);
    expect(rest).toHaveLength(0);
    expect(res!.body).toMatchObject({ id: ['VareGrupper2', 'ContentsCode', 'Tid'], size: [2, 2, 48] });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', query: 'lang=no&outputFormat=json-stat2', body: { selection: salmon } });
  });

  it('sends concurrent calls one at a time', async () => {
    const c = client();
    await Promise.all([c.tableInfo('03013'), c.metadata('11118'), c.data('03024', salmon), c.data('13615', [])]);
    expect(server.requests).toHaveLength(4);
    expect(server.requests.map((r) => r.concurrent)).toEqual([1, 1, 1, 1]);
  });
});

describe('PxWebApi v1 fallback', () => {
  it('switches to v1 only when v2 answers as if it were gone, and stays there', async () => {
    server.setFault(/^\w+ \/api\/pxwebapi\/v2\//, { kind: 'gone' }, Infinity);
    const c = client();
    const info = await c.tableInfo('13265');
    expect(info).toMatchObject({ id: '13265', api: 'v1', firstPeriod: '2021', lastPeriod: '2025', updated: null });
    expect(info.label).toMatch(/^13265: Bruk av kunstig intelligens/);

    const meta = await c.metadata('13265');
    expect(meta.api).toBe('v1');
    expect(meta.body).toMatchObject({
      version: '2.0',
      class: 'dataset',
      id: ['SyssGrpIKT', 'NACE2007', 'ContentsCode', 'Tid'],
      size: [5, 13, 9, 4],
      role: { time: ['Tid'], metric: ['ContentsCode'] },
      value: [],
    });
    expect(JSON.parse(meta.text)).toHaveProperty('variables');

    const [data] = await c.data(
      '13265',
      [
        { variableCode: 'SyssGrpIKT', valueCodes: ['00', '05'] },
        { variableCode: 'NACE2007', valueCodes: ['*'] },
        { variableCode: 'Tid', valueCodes: ['top(1)'] },
      ],
      { dimensionSizes: { NACE2007: 13 } },
    );
    expect(data!.api).toBe('v1');
    expect(data!.body).toMatchObject({ class: 'dataset' });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/pxwebapi/v2/tables/13265',
      'GET /api/v0/no/table/13265',
      'GET /api/v0/no/table/13265',
      'POST /api/v0/no/table/13265',
    ]);
    expect(server.requests[3]!.body).toEqual({
      query: [
        { code: 'SyssGrpIKT', selection: { filter: 'item', values: ['00', '05'] } },
        { code: 'NACE2007', selection: { filter: 'all', values: ['*'] } },
        { code: 'Tid', selection: { filter: 'top', values: ['1'] } },
      ],
      response: { format: 'json-stat2' },
    });
  });

  it('410 Gone also falls back; a v1 error names v1 and why it was asked', async () => {
    server.addJsonRoute('POST', '/api/pxwebapi/v2/tables/05300/data', { title: 'Gone', status: 410 }, 410);
    server.addJsonRoute('POST', '/api/v0/no/table/05300', { error: 'Parameter error' }, 400);
    const error = await rejection(client().data('05300', [{ variableCode: 'Avstand1', valueCodes: ['01'] }]));
    expect(error.message).toBe(
      `StatBank request failed with status 400 (Parameter error): POST ${server.url}/api/v0/no/table/05300. ` +
        "Not retried. The selection does not match the table: compare the variable and value codes with the table's metadata. " +
        `(Asked PxWebApi v1 because v2 at ${server.v2Url} answered as if it were gone.)`,
    );
    expect(error.context).toMatchObject({ status: 400, table: '05300', api: 'v1' });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/pxwebapi/v2/tables/05300/data', 'POST /api/v0/no/table/05300']);
  });

  it('a Problem JSON 404 (Non-existent table) is a real error, not a reason to fall back', async () => {
    const c = client();
    const error = await rejection(c.tableInfo('99999'));
    expect(error.message).toBe(
      `StatBank request failed with status 404 (Non-existent table): GET ${server.v2Url}/tables/99999?lang=no. ` +
        'Not retried. Check the table id: the table may have been replaced (briefing tables <words> searches StatBank).',
    );
    expect(error.context).toMatchObject({ status: 404, table: '99999', reason: 'status' });
    expect(server.requests).toHaveLength(1);
    // Still on v2.
    expect((await c.metadata('11118')).api).toBe('v2');
  });
});

describe('faults', () => {
  it('429 with Retry-After: 1 waits a second, then succeeds on the second request', async () => {
    server.setFault('/api/pxwebapi/v2/tables/03013', { kind: 'tooManyRequests', retryAfter: '1' });
    const info = await client().tableInfo('03013');
    expect(info.id).toBe('03013');
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('429 with an HTTP-date Retry-After waits until that date', async () => {
    const clock = fakeClock();
    server.setFault('/api/pxwebapi/v2/tables/03013', { kind: 'tooManyRequests', retryAfter: 'Mon, 02 Mar 2026 09:00:07 GMT' });
    await client({ effects: clock.effects, retryBudgetMs: 30_000 }).tableInfo('03013');
    expect(clock.sleeps).toEqual([7000]);
    expect(server.requests).toHaveLength(2);
  });

  it('429 asking for a wait beyond the budget fails at once', async () => {
    const clock = fakeClock();
    server.setFault('/api/pxwebapi/v2/tables/03013', { kind: 'tooManyRequests', retryAfter: '120' });
    const error = await rejection(client({ effects: clock.effects, retryBudgetMs: 30_000 }).tableInfo('03013'));
    expect(error.message).toMatch(
      /^StatBank request failed with status 429 \(Too many requests\): GET .*\/tables\/03013\?lang=no\. Gave up: the next wait \(120000 ms\) would pass the retry budget of 30000 ms/,
    );
    expect(error.message).toMatch(/rate limit/);
    expect(error).not.toBeInstanceOf(OfflineError);
    expect(error.context).toMatchObject({ status: 429, reason: 'status' });
    expect(clock.sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('400 Non-existent value fails after exactly one request, with the title and what to do', async () => {
    server.setFault(/^POST /, { kind: 'problem', status: 400, title: 'Non-existent value', type: 'Parameter error' });
    const error = await rejection(client().data('03024', salmon));
    expect(error.message).toBe(
      `StatBank request failed with status 400 (Non-existent value): POST ${dataUrl('03024')}. Not retried. ` +
        "The selection does not match the table: compare the variable and value codes with the table's metadata.",
    );
    expect(error.context).toMatchObject({ url: dataUrl('03024'), status: 400, table: '03024' });
    expect(server.requests).toHaveLength(1);
  });

  it.each([400, 403])('%i Too many cells selected says the selection must be split', async (status) => {
    server.setFault(/^POST /, { kind: 'problem', status, title: 'Too many cells selected' });
    const error = await rejection(client().data('03024', salmon));
    expect(error.message).toMatch(new RegExp(`^StatBank request failed with status ${status} \\(Too many cells selected\\)`));
    expect(error.message).toMatch(/the selection must be split/);
    expect(server.requests).toHaveLength(1);
  });

  it('503 twice, then 200: three requests', async () => {
    server.setFault(/^POST /, { kind: 'unavailable' }, 2);
    const [res] = await client().data('03024', salmon);
    expect(res!.status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('503 until the waiting budget is spent: stops instead of waiting past it', async () => {
    server.setFault(/^POST /, { kind: 'unavailable' }, Infinity);
    // random 1: waits are exactly 40, 80 ms; 40 fits the 100 ms budget, 40 + 80 does not.
    const error = await rejection(client({ backoffBaseMs: 40, retryBudgetMs: 100, effects: { random: () => 1 } }).data('03024', salmon));
    expect(error).toBeInstanceOf(OfflineError);
    expect(error.context).toMatchObject({ why: 'unavailable', status: 503, reason: 'status', attempts: 2 });
    expect(error.message).toMatch(/status 503 \(Service Unavailable\).*Gave up: the next wait \(80 ms\) would pass the retry budget of 100 ms.*maintenance/);
    expect(server.requests).toHaveLength(2);
  });

  it('503 until maxRetries is reached', async () => {
    server.setFault(/^POST /, { kind: 'unavailable' }, Infinity);
    const error = await rejection(client({ maxRetries: 2, backoffBaseMs: 5 }).data('03024', salmon));
    expect(error).toBeInstanceOf(OfflineError);
    expect(error.message).toMatch(/Gave up: 3 attempts, the most allowed \(maxRetries 2\)/);
    expect(server.requests).toHaveLength(3);
  });

  it('a response slower than the timeout is retried; always slow fails as a timeout', async () => {
    server.setFault('/api/pxwebapi/v2/tables/03013', { kind: 'slow', delayMs: 1000 }, 1);
    expect((await client({ requestTimeoutMs: 300 }).tableInfo('03013')).id).toBe('03013');
    expect(server.requests).toHaveLength(2);

    server.setFault('/api/pxwebapi/v2/tables/03013', { kind: 'slow', delayMs: 1000 }, Infinity);
    const error = await rejection(client({ requestTimeoutMs: 300, maxRetries: 1 }).tableInfo('03013'));
    expect(error).toBeInstanceOf(OfflineError);
    expect(error.context).toMatchObject({ why: 'unavailable', reason: 'network' });
    expect(error.message).toMatch(/^StatBank is unavailable: timed out after 300 ms: GET .*Gave up: 2 attempts.*nothing was stored/);
    expect(server.requests).toHaveLength(4);
  });

  it('a truncated JSON body is retried once, and fails the second time', async () => {
    server.setFault('/api/pxwebapi/v2/tables/11118/metadata', { kind: 'truncated' }, 1);
    expect((await client().metadata('11118')).body).toMatchObject({ class: 'dataset' });
    expect(server.requests).toHaveLength(2);

    server.setFault('/api/pxwebapi/v2/tables/11118/metadata', { kind: 'truncated' }, Infinity);
    const error = await rejection(client().metadata('11118'));
    expect(error.message).toMatch(/with a body that is not valid JSON .*a second time/);
    expect(server.requests).toHaveLength(4);
  });

  it('500 with an empty body is retried; when it persists the message points at a repeated value code', async () => {
    server.setFault(/^POST /, { kind: 'emptyServerError' }, 1);
    await client().data('03024', salmon);
    expect(server.requests.map((r) => r.status)).toEqual([500, 200]);

    server.setFault(/^POST /, { kind: 'emptyServerError' }, Infinity);
    const error = await rejection(client({ maxRetries: 1 }).data('03024', salmon));
    expect(error.message).toMatch(/^StatBank request failed with status 500: POST .* a value code is repeated in the selection/);
    expect(server.requests).toHaveLength(4);
  });

  it('a connection destroyed mid-response is retried', async () => {
    server.setFault(/^POST /, { kind: 'destroy' }, 1);
    const [res] = await client().data('03024', salmon);
    expect(res!.body).toMatchObject({ class: 'dataset' });
    expect(server.requests).toHaveLength(2);
  });

  it('a refused connection fails at once with an OfflineError', async () => {
    const closed = await startReplayServer();
    await closed.close();
    let calls = 0;
    const clock = fakeClock();
    const c = createStatbankClient({
      baseUrl: closed.v2Url,
      effects: {
        ...clock.effects,
        fetch: (input, init) => {
          calls++;
          return fetch(input, init);
        },
      },
    });
    const error = await rejection(c.tableInfo('03013'));
    expect(error).toBeInstanceOf(OfflineError);
    expect(error.message).toBe(
      `StatBank could not be reached (ECONNREFUSED): GET ${closed.v2Url}/tables/03013?lang=no. ` +
        'The host refused the connection; check the network connection and SSB_API_URL. Not retried; nothing was stored.',
    );
    expect(error.context).toMatchObject({ why: 'unreachable', code: 'ECONNREFUSED', reason: 'network' });
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('a redirect loop or a user agent Node refuses fails at once, without retries: retrying would not mend it', async () => {
    const { createServer } = await import('node:http');
    let hits = 0;
    const loop = createServer((_req, res) => {
      hits++;
      res.writeHead(302, { location: '/api/pxwebapi/v2/again' }).end();
    });
    await new Promise<void>((resolve) => loop.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = loop.address() as import('node:net').AddressInfo;
      const clock = fakeClock();
      const looping = await rejection(createStatbankClient({ baseUrl: `http://127.0.0.1:${port}/api/pxwebapi/v2`, effects: clock.effects }).tableInfo('03013'));
      expect(looping.message).toMatch(/retrying would not mend \(fetch failed: redirect count exceeded\).*Not retried; nothing was stored\.$/);
      expect(looping.context.reason).toBe('permanent');
      expect(hits).toBe(21);
      expect(clock.sleeps).toEqual([]);
    } finally {
      loop.closeAllConnections();
      await new Promise((resolve) => loop.close(resolve));
    }
    const badAgent = await rejection(client({ userAgent: 'briefing €', effects: fakeClock().effects }).tableInfo('03013'));
    expect(badAgent.message).toMatch(/retrying would not mend \(Cannot convert argument to a ByteString/);
    expect(badAgent.context.reason).toBe('permanent');
    expect(server.requests).toHaveLength(0);
  });

  it('a host that cannot be resolved fails at once with an OfflineError (undici error shape, faked)', async () => {
    let calls = 0;
    const fetchFails: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND data.ssb.no'), { code: 'ENOTFOUND' }) });
    };
    const error = await rejection(createStatbankClient({ effects: { fetch: fetchFails } }).metadata('10977'));
    expect(error).toBeInstanceOf(OfflineError);
    expect(error.message).toMatch(/^StatBank could not be reached \(ENOTFOUND\): GET https:\/\/data\.ssb\.no\/api\/pxwebapi\/v2\/tables\/10977\/metadata/);
    expect(calls).toBe(1);
  });
});

describe('rate limit', () => {
  it('waits for the window when x-ratelimit-remaining reaches 0, instead of sending', async () => {
    await server.close();
    server = await startReplayServer({ rateLimit: 2, windowSeconds: 1 });
    const c = client();
    for (let i = 0; i < 3; i++) await c.tableInfo('03013');
    expect(server.requests.map((r) => r.status)).toEqual([200, 200, 200]); // never a 429
    expect(server.requests[2]!.at - server.requests[1]!.at).toBeGreaterThanOrEqual(950);
  });

  it('parses the policy window and Retry-After', () => {
    expect(parseRateLimitWindowMs('40;w=60s')).toBe(60_000);
    expect(parseRateLimitWindowMs('30;w=60')).toBe(60_000);
    expect(parseRateLimitWindowMs(undefined)).toBeUndefined();
    const now = Date.parse('2026-03-02T09:00:00Z');
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs('Mon, 02 Mar 2026 09:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Mon, 02 Mar 2026 08:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('cell-limit splitting', () => {
  it('splits along the variable with the most codes into sequential POSTs under the limit', async () => {
    const responses = await client({ maxCells: 100 }).data('03024', salmon); // 2 x 2 x 48 = 192 cells
    expect(responses).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
    const sent = server.requests.map((r) => (r.body as { selection: Selection }).selection);
    for (const selection of sent) expect(splitSelection(selection, {}, 100)).toEqual([selection]);
    expect(sent.map((s) => s[2]!.valueCodes.length)).toEqual([25, 23]);
    expect(sent.flatMap((s) => s[2]!.valueCodes)).toEqual(salmon[2]!.valueCodes);
    expect(sent.every((s) => s[0]!.valueCodes.length === 2 && s[1]!.valueCodes.length === 2)).toBe(true);
    expect(server.requests.map((r) => r.concurrent)).toEqual([1, 1]);
  });

  it('recurses into a second variable when one code of the first is already too many', () => {
    const selection: Selection = [
      { variableCode: 'A', valueCodes: ['a1', 'a2', 'a3', 'a4', 'a5'] },
      { variableCode: 'B', valueCodes: ['b1', 'b2', 'b3', 'b4'] },
      { variableCode: 'C', valueCodes: ['top(3)'] },
    ];
    const chunks = splitSelection(selection, {}, 10, 'X');
    expect(chunks).toHaveLength(10);
    for (const chunk of chunks) expect(splitSelection(chunk, {}, 10)).toEqual([chunk]);
    const cells = chunks.flatMap((c) => c[0]!.valueCodes.flatMap((a) => c[1]!.valueCodes.map((b) => a + b)));
    expect(new Set(cells).size).toBe(20);
    expect(cells).toHaveLength(20);
  });

  it('counts top(n), needs dimension sizes for *, drops repeated codes', () => {
    const topThree: Selection = [
      { variableCode: 'Tid', valueCodes: ['top(3)'] },
      { variableCode: 'X', valueCodes: ['a', 'b'] },
    ];
    // 6 cells: they fit 6 a request, not 5.
    expect(splitSelection(topThree, {}, 6)).toEqual([topThree]);
    expect(splitSelection(topThree, {}, 5)).toHaveLength(2);
    const all: Selection = [{ variableCode: 'Tid', valueCodes: ['*'] }];
    expect(() => splitSelection(all, {}, 100)).toThrow(/Cannot count the cells .*Pass dimensionSizes\.Tid/);
    expect(splitSelection(all, { Tid: 13 }, 13)).toEqual([all]);
    expect(() => splitSelection(all, { Tid: 13 }, 12)).toThrow(/covers 13 cells, more than 12 per request/);
    expect(splitSelection([{ variableCode: 'X', valueCodes: ['a', 'a', 'b'] }], {}, 10)).toEqual([[{ variableCode: 'X', valueCodes: ['a', 'b'] }]]);
  });

  it('refuses, before sending, a selection it cannot count or cannot split', async () => {
    const c = client({ maxCells: 10 });
    const uncounted = await rejection(c.data('03024', [{ variableCode: 'Tid', valueCodes: ['*'] }]));
    expect(uncounted.message).toMatch(/Pass dimensionSizes\.Tid .*Nothing was sent/);
    const unsplittable = await rejection(c.data('03024', [{ variableCode: 'Tid', valueCodes: ['*'] }], { dimensionSizes: { Tid: 48 } }));
    expect(unsplittable.message).toMatch(/covers 48 cells, more than 10 per request, and cannot be split/);
    expect(server.requests).toHaveLength(0);
  });

  it('maps a selection to a v1 query, refusing what v1 cannot express', () => {
    expect(toV1Query([{ variableCode: 'Tid', valueCodes: ['top(5)'] }]).query).toEqual([{ code: 'Tid', selection: { filter: 'top', values: ['5'] } }]);
    expect(() => toV1Query([{ variableCode: 'Tid', valueCodes: ['bottom(2)'] }], '13265')).toThrow(/cannot be sent to PxWebApi v1/);
  });
});
