import { ConfigError, FetchError } from '../errors.js';
import { packageVersion } from '../io/paths.js';
import { splitSelection, toV1Query, type Selection } from './selection.js';
import {
  createTransport,
  defaultEffects,
  httpFailure,
  maxBodyBytes,
  problemTitle,
  type HttpRequest,
  type HttpResponse,
  type StatbankEffects,
} from './transport.js';
import { checkUpdated } from './updated.js';

export { OfflineError } from '../errors.js';
export { countSelectionCells, splitSelection, toV1Query, type Selection } from './selection.js';
export type { StatbankEffects } from './transport.js';

/**
 * Client for SSB's StatBank: PxWebApi v2, falling back to v1 ("v0" in the URL) only when v2 answers as if it
 * were gone. Every request goes through one transport queue (transport.ts), so calls may be made concurrently but
 * reach StatBank one at a time.
 *
 *   tableInfo(id)       ── GET  /tables/{id}                 (v1: GET  /{lang}/table/{id}, derived)
 *   metadata(id, lang)  ── GET  /tables/{id}/metadata        (v1: GET  /{lang}/table/{id}, converted to JSON-stat)
 *   data(id, sel)       ── POST /tables/{id}/data  x chunks   (v1: POST /{lang}/table/{id})
 *   listTables(search)  ── GET  /tables?query=… x pages       (v2 only: v1 has no equivalent the client uses)
 *
 * "Gone" means HTTP 410, or a 404 whose body is not Problem JSON (an HTML page, an empty body): the API itself
 * is missing. A Problem JSON 404 ("Non-existent table") is a real answer and fails. Once v2 is gone the client
 * stays on v1 for the rest of its life.
 *
 * Every `updated` StatBank sends (table info, table lists, JSON-stat) must be an ISO 8601 date-time or date of the
 * calendar, else the answer is refused (FetchError reason 'malformed'): whether a table changed is decided by it.
 */

export type StatbankLang = 'no' | 'en';

export interface StatbankClientOptions {
  /** PxWebApi v2 root, no trailing slash. The caller applies env SSB_API_URL. @default 'https://data.ssb.no/api/pxwebapi/v2' */
  baseUrl?: string;
  /** PxWebApi v1 root. @default `${origin of baseUrl}/api/v0` (https://data.ssb.no/api/v0 for the default baseUrl) */
  v1BaseUrl?: string;
  /** Language of labels where a call does not choose. @default 'no' */
  lang?: StatbankLang;
  /** @default `ssb-briefing/<package version> (+https://github.com/ssb-briefing)` */
  userAgent?: string;
  /** Timeout of one attempt, response body included, in milliseconds. @default 20000 */
  requestTimeoutMs?: number;
  /** Total waiting between retries of one request, in milliseconds; a wait that would pass it fails instead. @default 30000 */
  retryBudgetMs?: number;
  /** @deprecated The same as retryBudgetMs, for callers not yet renamed; retryBudgetMs wins when both are given. */
  maxTotalWaitMs?: number;
  /** Retries after the first attempt of one request. @default 4 */
  maxRetries?: number;
  /** First backoff wait in milliseconds; doubles per retry, jittered to 50-100 %. @default 1000 */
  backoffBaseMs?: number;
  /** Most cells (empty ones included) one data request may select; larger selections are split. @default 800000 */
  maxCells?: number;
  /** Largest answer read, in bytes after decompression. @default maxBodyBytes(maxCells) */
  maxBodyBytes?: number;
  /** Most pages of 100 tables listTables reads. @default 20 */
  maxPages?: number;
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

/** One step of where StatBank files a table (subject, statistic…). */
export interface TablePathElement {
  id: string;
  label: string;
}

/** A table as StatBank's table list (GET /tables) describes it. */
export interface ListedTable {
  id: string;
  /** SSB's label, e.g. "10977: Bruk av sosiale medium (prosent), etter …". */
  label: string;
  /** ISO 8601 as SSB sends it (checked); null when SSB doesn't say. */
  updated: string | null;
  firstPeriod: string | null;
  lastPeriod: string | null;
  /** null when unknown. */
  discontinued: boolean | null;
  /** Where StatBank files it: one or more paths from a subject down, e.g. [[tk, iktbrukn]]. [] when not given. */
  paths: TablePathElement[][];
}

export interface TableInfo extends ListedTable {
  api: StatbankApi;
  /** The parsed answer as received. */
  raw: unknown;
}

export interface DataOptions {
  /** Number of values per variable, needed to count `*` and other open expressions (from metadata()). */
  dimensionSizes?: Record<string, number>;
}

export interface ListTablesOptions {
  /** Words to search for, as StatBank's search box takes them. */
  query: string;
  /** @default the client's lang */
  lang?: StatbankLang;
  /** Only tables updated in the last this many days (a positive whole number). */
  pastDays?: number;
  /** Include tables SSB no longer updates. @default true (a listing says which are discontinued) */
  includeDiscontinued?: boolean;
}

export interface StatbankClient {
  tableInfo(id: string): Promise<TableInfo>;
  /** JSON-stat 2.0 with `value: []`; the caller parses it. */
  metadata(id: string, lang?: StatbankLang): Promise<StatbankResponse>;
  /** One response per chunk, in order, sent one at a time; a selection within maxCells gives one. */
  data(id: string, selection: Selection, options?: DataOptions): Promise<StatbankResponse[]>;
  /** Every table StatBank's search finds, all pages (at most maxPages), in StatBank's order. v2 only. */
  listTables(options: ListTablesOptions): Promise<ListedTable[]>;
  /** 'v2' until v2 answered as if it were gone, then 'v1'. */
  api(): StatbankApi;
}

/** Thrown inside the client when v2 looks removed; never escapes it. */
class V2Gone extends Error {}

export function createStatbankClient(options: StatbankClientOptions = {}): StatbankClient {
  const baseUrl = (options.baseUrl ?? 'https://data.ssb.no/api/pxwebapi/v2').replace(/\/+$/, '');
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw new ConfigError(
      `The StatBank address "${baseUrl}" is not an http(s) URL; set SSB_API_URL to the PxWebApi v2 ` + 'root, e.g. https://data.ssb.no/api/pxwebapi/v2.',
      { url: baseUrl },
    );
  }
  const v1BaseUrl = (options.v1BaseUrl ?? `${new URL(baseUrl).origin}/api/v0`).replace(/\/+$/, '');
  const defaultLang = options.lang ?? 'no';
  const maxCells = options.maxCells ?? 800_000;
  const maxPages = options.maxPages ?? 20;
  const effects = defaultEffects(options.effects);
  const transport = createTransport({
    userAgent: options.userAgent ?? `ssb-briefing/${packageVersion()} (+https://github.com/ssb-briefing)`,
    requestTimeoutMs: options.requestTimeoutMs ?? 20_000,
    retryBudgetMs: options.retryBudgetMs ?? options.maxTotalWaitMs ?? 30_000,
    maxRetries: options.maxRetries ?? 4,
    backoffBaseMs: options.backoffBaseMs ?? 1000,
    maxBodyBytes: options.maxBodyBytes ?? maxBodyBytes(maxCells),
    maxCells,
    effects,
  });
  let api: StatbankApi = 'v2';

  const v2Url = (id: string, suffix: string, format: boolean, lang: StatbankLang = defaultLang) =>
    `${baseUrl}/tables/${encodeURIComponent(id)}${suffix}?lang=${lang}${format ? '&outputFormat=json-stat2' : ''}`;
  const v1Url = (id: string, lang: StatbankLang = defaultLang) => `${v1BaseUrl}/${lang}/table/${encodeURIComponent(id)}`;

  async function request(which: StatbankApi, req: HttpRequest): Promise<StatbankResponse> {
    const res: HttpResponse = await transport.send(req);
    if (which === 'v2' && (res.status === 410 || (res.status === 404 && problemTitle(res.json) === undefined))) {
      throw new V2Gone(`${res.status} on ${req.method} ${req.url}`);
    }
    if (res.status < 200 || res.status >= 300) throw httpFailure(res, req.table, maxCells);
    const { method, url, status, headers, json: body, text } = res;
    return { api: which, method, url, status, headers, body, text };
  }

  /** A JSON-stat answer with its `updated` checked. */
  function checkedJsonStat(res: StatbankResponse, id: string): StatbankResponse {
    const body = res.body as { updated?: unknown } | null;
    if (body !== null && typeof body === 'object') checkUpdated(body.updated, { table: id, field: 'JSON-stat updated', url: res.url });
    return res;
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

  const v1Metadata = (id: string, lang?: StatbankLang) => request('v1', { method: 'GET', url: v1Url(id, lang), table: id });

  async function listPage(search: ListTablesOptions, page: number): Promise<{ tables: ListedTable[]; totalPages: number; url: string }> {
    const params = new URLSearchParams({ lang: search.lang ?? defaultLang, query: search.query });
    if (search.pastDays !== undefined) params.set('pastDays', String(search.pastDays));
    if (search.includeDiscontinued ?? true) params.set('includeDiscontinued', 'true');
    params.set('pageNumber', String(page));
    params.set('pageSize', '100');
    const url = `${baseUrl}/tables?${params}`;
    let res: StatbankResponse;
    try {
      res = await request('v2', { method: 'GET', url });
    } catch (error) {
      if (!(error instanceof V2Gone)) throw error;
      throw new FetchError(
        `StatBank's table search answered as if PxWebApi v2 were gone (${error.message}); v1 has no ` +
          'search the briefing uses. Check SSB_API_URL; search on https://www.ssb.no/statbank meanwhile.',
        { url, reason: 'status' },
      );
    }
    const b = res.body as { tables?: unknown; page?: { totalPages?: unknown } } | null;
    if (!Array.isArray(b?.tables)) {
      throw new FetchError(
        `StatBank answered GET ${url} without a list of tables; it is not a table search answer. Check ` +
          'SSB_API_URL points at PxWebApi v2. Nothing was stored.',
        { url, status: res.status, reason: 'malformed' },
      );
    }
    const totalPages = typeof b.page?.totalPages === 'number' && Number.isInteger(b.page.totalPages) ? b.page.totalPages : page;
    return { tables: b.tables.map((t, i) => readListedTable(t, url, `tables[${i}]`)), totalPages, url };
  }

  return {
    api: () => api,

    tableInfo: (id) =>
      v2OrV1<TableInfo>(
        id,
        async () => {
          const res = await request('v2', { method: 'GET', url: v2Url(id, '', false), table: id });
          const b = res.body as Record<string, unknown> | null;
          if (typeof b?.id !== 'string' || typeof b.label !== 'string') {
            throw new FetchError(
              `StatBank answered ${res.method} ${res.url} without a table id and label; it is not a table ` +
                'description. Check SSB_API_URL points at PxWebApi v2.',
              { url: res.url, status: res.status, table: id, reason: 'malformed' },
            );
          }
          return { ...readListedTable(b, res.url, "table info's", id), api: 'v2' as const, raw: res.body };
        },
        async () => {
          const res = await v1Metadata(id);
          const meta = readV1Metadata(res, id);
          const time = meta.variables.find((v) => v.time) ?? meta.variables.find((v) => v.code === 'Tid');
          return {
            id,
            label: meta.title,
            updated: null,
            discontinued: null,
            paths: [],
            api: 'v1' as const,
            raw: res.body,
            firstPeriod: time?.values[0] ?? null,
            lastPeriod: time?.values.at(-1) ?? null,
          };
        },
      ),

    metadata: (id, lang) =>
      v2OrV1(
        id,
        async () => checkedJsonStat(await request('v2', { method: 'GET', url: v2Url(id, '/metadata', true, lang), table: id }), id),
        async () => {
          const res = await v1Metadata(id, lang);
          return { ...res, body: v1MetadataToJsonStat(readV1Metadata(res, id)) };
        },
      ),

    async data(id, selection, dataOptions = {}) {
      const chunks = splitSelection(selection, dataOptions.dimensionSizes ?? {}, maxCells, id);
      const sendAll = async (one: (chunk: Selection) => Promise<StatbankResponse>) => {
        const responses: StatbankResponse[] = [];
        for (const chunk of chunks) responses.push(checkedJsonStat(await one(chunk), id)); // one at a time, by contract
        return responses;
      };
      return v2OrV1(
        id,
        () => sendAll((chunk) => request('v2', { method: 'POST', url: v2Url(id, '/data', true), table: id, body: { selection: chunk } })),
        () => sendAll((chunk) => request('v1', { method: 'POST', url: v1Url(id), table: id, body: toV1Query(chunk, id) })),
      );
    },

    async listTables(search) {
      if (search.pastDays !== undefined && !(Number.isInteger(search.pastDays) && search.pastDays > 0)) {
        throw new ConfigError(`pastDays must be a positive whole number of days, not ${search.pastDays}.`, {
          setting: 'pastDays',
          value: String(search.pastDays),
        });
      }
      const tables: ListedTable[] = [];
      for (let page = 1; ; page++) {
        const answer = await listPage(search, page);
        tables.push(...answer.tables);
        if (page >= answer.totalPages || answer.tables.length === 0) break;
        if (page >= maxPages) {
          effects.log?.(
            `StatBank: the search "${search.query}" has ${answer.totalPages} pages; read the first ${maxPages} ` +
              `(${tables.length} tables). Narrow the search to see the rest.`,
          );
          break;
        }
      }
      return tables;
    },
  };
}

/**
 * A table of a table list or a table info answer: id and label required, `updated` checked, the rest as far as
 * given. `where` names it in messages ("tables[3]", "table info's").
 */
function readListedTable(value: unknown, url: string, where: string, asked?: string): ListedTable {
  const b = (value ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  if (typeof b.id !== 'string') {
    throw new FetchError(
      `StatBank answered GET ${url} with a table without an id (${where}); it is not a table list. ` +
        'Check SSB_API_URL points at PxWebApi v2. Nothing was stored.',
      { url, reason: 'malformed' },
    );
  }
  const table = asked ?? b.id;
  const field = where.endsWith("'s") ? `${where} updated` : `updated (${where})`;
  const paths = Array.isArray(b.paths)
    ? b.paths
        .filter(Array.isArray)
        .map((path: unknown[]) =>
          path
            .filter((p): p is { id: string; label?: unknown } => typeof (p as { id?: unknown })?.id === 'string')
            .map((p) => ({ id: p.id, label: typeof p.label === 'string' ? p.label : p.id })),
        )
    : [];
  return {
    id: b.id,
    label: str(b.label) ?? '',
    updated: checkUpdated(b.updated, { table, field, url }),
    firstPeriod: str(b.firstPeriod),
    lastPeriod: str(b.lastPeriod),
    discontinued: typeof b.discontinued === 'boolean' ? b.discontinued : null,
    paths,
  };
}

interface V1Variable {
  code: string;
  text: string;
  values: string[];
  valueTexts: string[];
  elimination?: boolean;
  time?: boolean;
}
interface V1Metadata {
  title: string;
  variables: V1Variable[];
}

function readV1Metadata(res: StatbankResponse, id: string): V1Metadata {
  const b = res.body as Partial<V1Metadata> | null;
  const ok =
    typeof b?.title === 'string' &&
    Array.isArray(b.variables) &&
    b.variables.every((v) => typeof v?.code === 'string' && Array.isArray(v.values) && Array.isArray(v.valueTexts));
  if (!ok) {
    throw new FetchError(
      `StatBank v1 answered ${res.method} ${res.url} with something that is not table metadata ` + '({title, variables[{code, values, valueTexts}]}).',
      { url: res.url, status: res.status, table: id, api: 'v1', reason: 'malformed' },
    );
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
    version: '2.0',
    class: 'dataset',
    label: meta.title,
    role: { ...(time.length ? { time } : {}), ...(metric.length ? { metric } : {}) },
    id: meta.variables.map((v) => v.code),
    size: meta.variables.map((v) => v.values.length),
    dimension,
    value: [],
  };
}
