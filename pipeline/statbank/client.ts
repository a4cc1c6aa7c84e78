import { ConfigError, FetchError } from '../errors.js';
import { packageVersion } from '../io/paths.js';
import {
  createTransport, defaultEffects, httpFailure, problemTitle, type HttpRequest, type HttpResponse, type StatbankEffects,
} from './transport.js';

export { OfflineError, type StatbankEffects } from './transport.js';

/**
 * Client for SSB's StatBank: PxWebApi v2, falling back to v1 ("v0" in the URL) only when v2 answers as if it
 * were gone. Every request goes through one queue (statbank-http.ts), so calls may be made concurrently but
 * reach StatBank one at a time.
 *
 *   tableInfo(id) ── GET  /tables/{id}                 (v1: GET  /{lang}/table/{id}, derived)
 *   metadata(id)  ── GET  /tables/{id}/metadata        (v1: GET  /{lang}/table/{id}, converted to JSON-stat)
 *   data(id, sel) ── POST /tables/{id}/data  x chunks   (v1: POST /{lang}/table/{id})
 *
 * "Gone" means HTTP 410, or a 404 whose body is not Problem JSON (an HTML page, an empty body): the API itself
 * is missing. A Problem JSON 404 ("Non-existent table") is a real answer and fails. Once v2 is gone the client
 * stays on v1 for the rest of its life.
 */

export interface StatbankClientOptions {
  /** PxWebApi v2 root, no trailing slash. The caller applies env SSB_API_URL. @default 'https://data.ssb.no/api/pxwebapi/v2' */
  baseUrl?: string;
  /** PxWebApi v1 root. @default `${origin of baseUrl}/api/v0` (https://data.ssb.no/api/v0 for the default baseUrl) */
  v1BaseUrl?: string;
  /** Language of labels. @default 'no' */
  lang?: 'no' | 'en';
  /** @default `ssb-briefing/<package version> (+https://github.com/ssb-briefing)` */
  userAgent?: string;
  /** Timeout of one attempt, response body included, in milliseconds. @default 20000 */
  requestTimeoutMs?: number;
  /** Total waiting between retries of one request, in milliseconds; a wait that would pass it fails instead. @default 30000 */
  maxTotalWaitMs?: number;
  /** Retries after the first attempt of one request. @default 4 */
  maxRetries?: number;
  /** First backoff wait in milliseconds; doubles per retry, jittered to 50-100 %. @default 1000 */
  backoffBaseMs?: number;
  /** Most cells (empty ones included) one data request may select; larger selections are split. @default 800000 */
  maxCells?: number;
  effects?: StatbankEffects;
}

export type StatbankApi = 'v2' | 'v1';

export interface StatbankResponse {
  /** Which API answered. */
  api: StatbankApi;
  method: 'GET' | 'POST';
  url: string;
  status: number;
  /** content-type, x-ratelimit-*, retry-after, last-modified, etag, date when present. */
  headers: Record<string, string>;
  /** Parsed JSON. For v1 metadata() this is the v1 answer converted to JSON-stat 2.0 (see v1MetadataToJsonStat). */
  body: unknown;
  /** The raw text as received (byte order mark removed). */
  text: string;
}

export interface TableInfo {
  id: string;
  label: string;
  /** ISO 8601 as SSB sends it; null from v1, which doesn't say. */
  updated: string | null;
  firstPeriod: string | null;
  lastPeriod: string | null;
  /** null when unknown (v1 doesn't say). */
  discontinued: boolean | null;
  api: StatbankApi;
  /** The parsed answer as received. */
  raw: unknown;
}

export interface DataOptions {
  /** Number of values per variable, needed to count `*` and other open expressions (from metadata()). */
  dimensionSizes?: Record<string, number>;
}

export interface StatbankClient {
  tableInfo(id: string): Promise<TableInfo>;
  /** JSON-stat 2.0 with `value: []`; the caller parses it. */
  metadata(id: string): Promise<StatbankResponse>;
  /** One response per chunk, in order, sent one at a time; a selection within maxCells gives one. */
  data(id: string, selection: Selection, options?: DataOptions): Promise<StatbankResponse[]>;
  /** 'v2' until v2 answered as if it were gone, then 'v1'. */
  api(): StatbankApi;
}

/** Thrown inside the client when v2 looks removed; never escapes it. */
class V2Gone extends Error {}

export function createStatbankClient(options: StatbankClientOptions = {}): StatbankClient {
  const baseUrl = (options.baseUrl ?? 'https://data.ssb.no/api/pxwebapi/v2').replace(/\/+$/, '');
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw new ConfigError(`The StatBank address "${baseUrl}" is not an http(s) URL; set SSB_API_URL to the PxWebApi v2 ` +
      'root, e.g. https://data.ssb.no/api/pxwebapi/v2.', { url: baseUrl });
  }
  const v1BaseUrl = (options.v1BaseUrl ?? `${new URL(baseUrl).origin}/api/v0`).replace(/\/+$/, '');
  const lang = options.lang ?? 'no';
  const maxCells = options.maxCells ?? 800_000;
  const effects = defaultEffects(options.effects);
  const transport = createTransport({
    userAgent: options.userAgent ?? `ssb-briefing/${packageVersion()} (+https://github.com/ssb-briefing)`,
    requestTimeoutMs: options.requestTimeoutMs ?? 20_000,
    maxTotalWaitMs: options.maxTotalWaitMs ?? 30_000,
    maxRetries: options.maxRetries ?? 4,
    backoffBaseMs: options.backoffBaseMs ?? 1000,
    effects,
  });
  let api: StatbankApi = 'v2';

  const v2Url = (id: string, suffix: string, format: boolean) =>
    `${baseUrl}/tables/${encodeURIComponent(id)}${suffix}?lang=${lang}${format ? '&outputFormat=json-stat2' : ''}`;
  const v1Url = (id: string) => `${v1BaseUrl}/${lang}/table/${encodeURIComponent(id)}`;

  async function request(which: StatbankApi, req: HttpRequest): Promise<StatbankResponse> {
    const res: HttpResponse = await transport.send(req);
    if (which === 'v2' && (res.status === 410 || (res.status === 404 && problemTitle(res.json) === undefined))) {
      throw new V2Gone(`${res.status} on ${req.method} ${req.url}`);
    }
    if (res.status < 200 || res.status >= 300) throw httpFailure(res, req.table, maxCells);
    const { method, url, status, headers, json: body, text } = res;
    return { api: which, method, url, status, headers, body, text };
  }

  /** Run on v2 unless it is known gone; on the first sign it is gone, switch to v1 for good. */
  async function v2OrV1<T>(table: string, onV2: () => Promise<T>, onV1: () => Promise<T>): Promise<T> {
    if (api === 'v2') {
      try {
        return await onV2();
      } catch (error) {
        if (!(error instanceof V2Gone)) throw error;
        effects.log?.(`StatBank: PxWebApi v2 answered as if it were gone (${error.message}); using v1 at ${v1BaseUrl}`);
        api = 'v1';
      }
    }
    try {
      return await onV1();
    } catch (error) {
      // Same error class (an OfflineError stays one), with the reason v1 was asked at all.
      if (error instanceof FetchError) {
        error.message += ` (Asked PxWebApi v1 because v2 at ${baseUrl} answered as if it were gone.)`;
        error.context.api = 'v1';
        error.context.table ??= table;
      }
      throw error;
    }
  }

  const v1Metadata = (id: string) => request('v1', { method: 'GET', url: v1Url(id), table: id });

  return {
    api: () => api,

    tableInfo: (id) =>
      v2OrV1<TableInfo>(id,
        async () => {
          const res = await request('v2', { method: 'GET', url: v2Url(id, '', false), table: id });
          return { ...readTableInfo(res, id), api: 'v2' as const, raw: res.body };
        },
        async () => {
          const res = await v1Metadata(id);
          const meta = readV1Metadata(res, id);
          const time = meta.variables.find((v) => v.time) ?? meta.variables.find((v) => v.code === 'Tid');
          return {
            id, label: meta.title, updated: null, discontinued: null, api: 'v1' as const, raw: res.body,
            firstPeriod: time?.values[0] ?? null, lastPeriod: time?.values.at(-1) ?? null,
          };
        }),

    metadata: (id) =>
      v2OrV1(id,
        () => request('v2', { method: 'GET', url: v2Url(id, '/metadata', true), table: id }),
        async () => {
          const res = await v1Metadata(id);
          return { ...res, body: v1MetadataToJsonStat(readV1Metadata(res, id)) };
        }),

    async data(id, selection, dataOptions = {}) {
      const chunks = splitSelection(selection, dataOptions.dimensionSizes ?? {}, maxCells, id);
      const sendAll = async (one: (chunk: Selection) => Promise<StatbankResponse>) => {
        const responses: StatbankResponse[] = [];
        for (const chunk of chunks) responses.push(await one(chunk)); // one at a time, by contract
        return responses;
      };
      return v2OrV1(id,
        () => sendAll((chunk) => request('v2', { method: 'POST', url: v2Url(id, '/data', true), table: id, body: { selection: chunk } })),
        () => sendAll((chunk) => request('v1', { method: 'POST', url: v1Url(id), table: id, body: toV1Query(chunk, id) })));
    },
  };
}

function readTableInfo(res: StatbankResponse, id: string): Omit<TableInfo, 'api' | 'raw'> {
  const b = (res.body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  if (typeof b.id !== 'string' || typeof b.label !== 'string') {
    throw new FetchError(`StatBank answered ${res.method} ${res.url} without a table id and label; it is not a table ` +
      'description. Check SSB_API_URL points at PxWebApi v2.', { url: res.url, status: res.status, table: id });
  }
  return {
    id: b.id, label: b.label, updated: str(b.updated), firstPeriod: str(b.firstPeriod), lastPeriod: str(b.lastPeriod),
    discontinued: typeof b.discontinued === 'boolean' ? b.discontinued : null,
  };
}

interface V1Variable { code: string; text: string; values: string[]; valueTexts: string[]; elimination?: boolean; time?: boolean }
interface V1Metadata { title: string; variables: V1Variable[] }

function readV1Metadata(res: StatbankResponse, id: string): V1Metadata {
  const b = res.body as Partial<V1Metadata> | null;
  const ok = typeof b?.title === 'string' && Array.isArray(b.variables) && b.variables.every((v) =>
    typeof v?.code === 'string' && Array.isArray(v.values) && Array.isArray(v.valueTexts));
  if (!ok) {
    throw new FetchError(`StatBank v1 answered ${res.method} ${res.url} with something that is not table metadata ` +
      '({title, variables[{code, values, valueTexts}]}).', { url: res.url, status: res.status, table: id, api: 'v1' });
  }
  return b as V1Metadata;
}

/**
 * v1 metadata as the JSON-stat 2.0 metadata v2 sends (`value: []`), so callers parse one shape: `id`/`size` from
 * the variables, category index as an array, labels from valueTexts, `role.time` from `time: true`,
 * `extension.elimination` per dimension.
 */
export function v1MetadataToJsonStat(meta: V1Metadata): Record<string, unknown> {
  const dimension: Record<string, unknown> = {};
  for (const v of meta.variables) {
    dimension[v.code] = {
      label: v.text,
      category: { index: [...v.values], label: Object.fromEntries(v.values.map((code, i) => [code, v.valueTexts[i] ?? code])) },
      extension: { elimination: v.elimination === true },
    };
  }
  const time = meta.variables.filter((v) => v.time).map((v) => v.code);
  const metric = meta.variables.filter((v) => v.code === 'ContentsCode').map((v) => v.code);
  return {
    version: '2.0', class: 'dataset', label: meta.title,
    role: { ...(time.length ? { time } : {}), ...(metric.length ? { metric } : {}) },
    id: meta.variables.map((v) => v.code), size: meta.variables.map((v) => v.values.length), dimension, value: [],
  };
}

/** A PxWebApi v2 selection: value codes or expressions (`*`, `top(n)`, `range(a,b)`, ...) per variable. */
export type Selection = { variableCode: string; valueCodes: string[] }[];

const countedExpression = /^\[?(?:top|bottom)\(\s*(\d+)\s*(?:,\s*\d+\s*)?\)\]?$/i;
const openExpression = /[*?]|^\[?(?:range|from|to)\(/i;
const isPlainCode = (code: string) => !countedExpression.test(code) && !openExpression.test(code);

/**
 * How many values one variable selects: a code counts 1, `top(n)`/`bottom(n)` count n, an open expression (`*`,
 * `?`, `range`, `from`, `to`, wildcards) counts the whole dimension; capped at the dimension size when known.
 * undefined when it depends on a size that wasn't given.
 */
function countValues(codes: string[], size: number | undefined): number | undefined {
  let count = 0;
  for (const code of codes) {
    const counted = countedExpression.exec(code);
    if (counted) count += Number(counted[1]);
    else if (isPlainCode(code)) count += 1;
    else if (size === undefined) return undefined;
    else count += size;
  }
  return size === undefined ? count : Math.min(count, size);
}

/** Cells a selection covers (variables left out are eliminated: 1 each); undefined when it can't be counted. */
export function countSelectionCells(selection: Selection, dimensionSizes: Record<string, number> = {}): number | undefined {
  let cells = 1;
  for (const v of selection) {
    const n = countValues(v.valueCodes, dimensionSizes[v.variableCode]);
    if (n === undefined) return undefined;
    cells *= n;
  }
  return cells;
}

/**
 * The selection as requests of at most `maxCells` cells each. Repeated codes are dropped first (StatBank answers
 * a repeated code with an empty 500). Over the limit, it is split along the variable with the most explicit codes
 * (all plain codes, no expressions) into consecutive chunks, recursing into the next variable when even one code
 * of it is too many. Throws a FetchError, before anything is sent, when the cells can't be counted or split.
 */
export function splitSelection(selection: Selection, dimensionSizes: Record<string, number>, maxCells: number,
  table?: string): Selection[] {
  const deduped = selection.map((v) => ({ variableCode: v.variableCode, valueCodes: [...new Set(v.valueCodes)] }));
  const counts = deduped.map((v) => countValues(v.valueCodes, dimensionSizes[v.variableCode]));
  const unknown = deduped.find((_, i) => counts[i] === undefined);
  if (unknown) {
    throw new FetchError(`Cannot count the cells selected from table ${table ?? '?'}: ${unknown.variableCode} uses ` +
      `${JSON.stringify(unknown.valueCodes)}. Pass dimensionSizes.${unknown.variableCode} (from the table's metadata) ` +
      `so requests stay within ${maxCells} cells. Nothing was sent.`, { table });
  }
  return split(deduped, counts as number[], maxCells, table);
}

function split(selection: Selection, counts: number[], maxCells: number, table?: string): Selection[] {
  const cells = counts.reduce((a, b) => a * b, 1);
  if (cells <= maxCells) return [selection];
  let best = -1;
  selection.forEach((v, i) => {
    const n = counts[i]!;
    if (n > 1 && v.valueCodes.every(isPlainCode) && (best < 0 || n > counts[best]!)) best = i;
  });
  if (best < 0) {
    throw new FetchError(`The selection from table ${table ?? '?'} covers ${cells} cells, more than ${maxCells} per ` +
      'request, and cannot be split: no variable lists more than one explicit value code. Replace expressions ' +
      '(*, top(n), range) with explicit codes. Nothing was sent.', { table });
  }
  const per = Math.max(1, Math.floor(maxCells / (cells / counts[best]!)));
  const codes = selection[best]!.valueCodes;
  const chunks: Selection[] = [];
  for (let start = 0; start < codes.length; start += per) {
    const part = codes.slice(start, start + per);
    const chunk = selection.map((v, i) => (i === best ? { variableCode: v.variableCode, valueCodes: part } : v));
    chunks.push(...split(chunk, counts.map((n, i) => (i === best ? part.length : n)), maxCells, table));
  }
  return chunks;
}

/**
 * A v2 selection as a v1 query: codes -> filter `item`, `top(n)` -> `top` ["n"], `*` or a wildcard -> `all`.
 * v1 has no `bottom`, `range`, `from`, `to` or `?`: those throw a FetchError before anything is sent.
 */
export function toV1Query(selection: Selection, table?: string): {
  query: { code: string; selection: { filter: 'item' | 'top' | 'all'; values: string[] } }[];
  response: { format: 'json-stat2' };
} {
  const query = selection.map(({ variableCode, valueCodes }) => {
    if (valueCodes.every(isPlainCode)) return { code: variableCode, selection: { filter: 'item' as const, values: valueCodes } };
    const only = valueCodes.length === 1 ? valueCodes[0]! : '';
    const top = /^\[?top\(\s*(\d+)\s*\)\]?$/i.exec(only);
    if (top) return { code: variableCode, selection: { filter: 'top' as const, values: [top[1]!] } };
    if (/^[^()?[\]]*\*[^()?[\]]*$/.test(only)) return { code: variableCode, selection: { filter: 'all' as const, values: [only] } };
    throw new FetchError(`The selection ${JSON.stringify(valueCodes)} for ${variableCode} in table ${table ?? '?'} ` +
      'cannot be sent to PxWebApi v1 (it knows value codes, top(n) and * only). Use explicit codes. Nothing was sent.',
    { table, api: 'v1' });
  });
  return { query, response: { format: 'json-stat2' } };
}
