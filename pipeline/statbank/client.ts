import { FetchError } from '../errors.js';
import { splitSelection, toV1Query, type Selection } from './selection.js';
import { createTransport, httpFailure, problemTitle, type HttpRequest, type HttpResponse, type TransportOptions } from './transport.js';
import { checkUpdated } from './updated.js';

export type { Selection } from './selection.js';

/**
 * Client for SSB's StatBank: PxWebApi v2, falling back to v1 ("v0" in the URL) for good once v2 answers as if it
 * were gone: HTTP 410, or a 404 whose body is not Problem JSON (a Problem JSON 404, "Non-existent table", is a real
 * answer and fails). Every request goes through one transport queue, so StatBank sees one at a time. Every
 * `updated` StatBank sends must be an ISO 8601 date-time or date of the calendar, else the answer is refused.
 */

export type StatbankLang = 'no' | 'en';

/** Transport settings default as in createTransport; maxCells to 800,000 (larger selections are split). */
export interface StatbankClientOptions extends Partial<TransportOptions> {
  /** PxWebApi v2 root (v1 is `/api/v0` at its origin); config checks env SSB_API_URL. @default 'https://data.ssb.no/api/pxwebapi/v2' */
  baseUrl?: string;
}

export type StatbankApi = 'v2' | 'v1';

/** The most pages of 100 tables listTables reads. */
const maxPages = 20;

/** `body` is the parsed JSON; for v1 metadata() the v1 answer converted to JSON-stat 2.0. */
export type StatbankResponse = HttpResponse & { api: StatbankApi };

/** A table as StatBank's table list (GET /tables) describes it. */
export interface ListedTable {
  id: string;
  /** SSB's label, e.g. "10977: Bruk av sosiale medium (prosent), etter …". */
  label: string;
  /** ISO 8601 as SSB sends it (checked); null when SSB doesn't say. */
  updated: string | null;
  firstPeriod: string | null;
  lastPeriod: string | null;
  discontinued: boolean | null;
  /** Where StatBank files it: paths from a subject down, e.g. [[tk, iktbrukn]]. */
  paths: { id: string; label: string }[][];
}

/** `raw`: the parsed answer as received. */
export type TableInfo = ListedTable & { api: StatbankApi; raw: unknown };

/** `query`: words as StatBank's search box takes them; `includeDiscontinued` defaults to true (a listing says which are). */
export type ListTablesOptions = { query: string; includeDiscontinued?: boolean };

export type StatbankClient = ReturnType<typeof createStatbankClient>;

/** Thrown inside the client when v2 looks removed; never escapes it. */
class V2Gone extends Error {}

export function createStatbankClient(options: StatbankClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? 'https://data.ssb.no/api/pxwebapi/v2').replace(/\/+$/, '');
  const v1BaseUrl = `${new URL(baseUrl).origin}/api/v0`;
  const maxCells = options.maxCells ?? 800_000;
  const log = options.effects?.log;
  const transport = createTransport({ ...options, maxCells });
  let api: StatbankApi = 'v2';

  /** `/metadata` and `/data` answer JSON-stat 2.0; the table itself is described in plain JSON. */
  const v2Url = (id: string, suffix: '' | '/metadata' | '/data', lang: StatbankLang = 'no') =>
    `${baseUrl}/tables/${encodeURIComponent(id)}${suffix}?lang=${lang}${suffix ? '&outputFormat=json-stat2' : ''}`;
  const v1Url = (id: string, lang: StatbankLang = 'no') => `${v1BaseUrl}/${lang}/table/${encodeURIComponent(id)}`;

  /** The answer of `which` API; with `checked`, a JSON-stat answer whose `updated` is checked. */
  async function request(which: StatbankApi, req: HttpRequest, checked = false): Promise<StatbankResponse> {
    const res = await transport.send(req);
    if (which === 'v2' && (res.status === 410 || (res.status === 404 && problemTitle(res.body) === undefined))) {
      throw new V2Gone(`${res.status} on ${req.method} ${req.url}`);
    }
    if (res.status < 200 || res.status >= 300) throw httpFailure(res, req.table, maxCells);
    if (checked && res.body !== null && typeof res.body === 'object') {
      checkUpdated((res.body as { updated?: unknown }).updated, { table: req.table!, field: 'JSON-stat updated', url: res.url });
    }
    return { ...res, api: which };
  }

  /** Run on v2 unless it is known gone; on the first sign it is gone, switch to v1 for good. */
  async function v2OrV1<T>(table: string, onV2: () => Promise<T>, onV1: () => Promise<T>): Promise<T> {
    if (api === 'v2') {
      try {
        return await onV2();
      } catch (error) {
        if (!(error instanceof V2Gone)) throw error;
        log?.(`StatBank: PxWebApi v2 answered as if it were gone (${error.message}); using v1 at ${v1BaseUrl}`);
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

  const v1Metadata = async (id: string, lang?: StatbankLang) => {
    const res = await request('v1', { method: 'GET', url: v1Url(id, lang), table: id });
    return { res, meta: readV1Metadata(res, id) };
  };

  return {
    tableInfo: (id: string) =>
      v2OrV1<TableInfo>(
        id,
        async () => {
          const res = await request('v2', { method: 'GET', url: v2Url(id, ''), table: id });
          const b = res.body as Record<string, unknown> | null;
          if (typeof b?.id !== 'string' || typeof b.label !== 'string') {
            throw new FetchError(
              `StatBank answered ${res.method} ${res.url} without a table id and label; it is not a table description. Check SSB_API_URL ` +
                'points at PxWebApi v2.',
              { url: res.url, status: res.status, table: id, reason: 'malformed' },
            );
          }
          return { ...readListedTable(b, res.url, "table info's", id), api: 'v2', raw: res.body };
        },
        async () => {
          const { res, meta } = await v1Metadata(id);
          const time = meta.variables.find((v) => v.time) ?? meta.variables.find((v) => v.code === 'Tid');
          const [firstPeriod, lastPeriod] = [time?.values[0] ?? null, time?.values.at(-1) ?? null];
          return { id, label: meta.title, updated: null, discontinued: null, paths: [], api: 'v1', raw: res.body, firstPeriod, lastPeriod };
        },
      ),

    /** JSON-stat 2.0 with `value: []`; the caller parses it. */
    metadata: (id: string, lang?: StatbankLang) =>
      v2OrV1<StatbankResponse>(
        id,
        () => request('v2', { method: 'GET', url: v2Url(id, '/metadata', lang), table: id }, true),
        async () => {
          const { res, meta } = await v1Metadata(id, lang);
          return { ...res, body: v1MetadataToJsonStat(meta) };
        },
      ),

    /** One response per chunk of at most maxCells cells, sent one at a time. `dimensionSizes` count `*` and other open expressions. */
    async data(id: string, selection: Selection, dataOptions: { dimensionSizes?: Record<string, number> } = {}): Promise<StatbankResponse[]> {
      const chunks = splitSelection(selection, dataOptions.dimensionSizes ?? {}, maxCells, id);
      const sendAll = async (which: StatbankApi, toRequest: (chunk: Selection) => HttpRequest) => {
        const responses: StatbankResponse[] = [];
        for (const chunk of chunks) responses.push(await request(which, toRequest(chunk), true)); // one at a time, by contract
        return responses;
      };
      return v2OrV1(
        id,
        () => sendAll('v2', (chunk) => ({ method: 'POST', url: v2Url(id, '/data'), table: id, body: { selection: chunk } })),
        () => sendAll('v1', (chunk) => ({ method: 'POST', url: v1Url(id), table: id, body: toV1Query(chunk, id) })),
      );
    },

    /** Every table StatBank's search finds, all pages (at most maxPages), in StatBank's order. v2 only. */
    async listTables(search: ListTablesOptions): Promise<ListedTable[]> {
      const params = new URLSearchParams({ lang: 'no', query: search.query });
      if (search.includeDiscontinued ?? true) params.set('includeDiscontinued', 'true');
      const tables: ListedTable[] = [];
      for (let page = 1; ; page++) {
        params.set('pageNumber', String(page));
        params.set('pageSize', '100');
        const url = `${baseUrl}/tables?${params}`;
        const res = await request('v2', { method: 'GET', url }).catch((error: unknown) => {
          if (!(error instanceof V2Gone)) throw error;
          throw new FetchError(
            `StatBank's table search answered as if PxWebApi v2 were gone (${error.message}); v1 has no search the briefing uses. Check ` +
              'SSB_API_URL; search on https://www.ssb.no/statbank meanwhile.',
            { url, reason: 'status' },
          );
        });
        const b = res.body as { tables?: unknown; page?: { totalPages?: unknown } } | null;
        if (!Array.isArray(b?.tables)) {
          throw new FetchError(
            `StatBank answered GET ${url} without a list of tables; it is not a table search answer. Check SSB_API_URL points at PxWebApi v2. ` +
              'Nothing was stored.',
            { url, status: res.status, reason: 'malformed' },
          );
        }
        const totalPages = Number.isInteger(b.page?.totalPages) ? (b.page!.totalPages as number) : page;
        tables.push(...b.tables.map((t, i) => readListedTable(t, url, `tables[${i}]`)));
        if (page >= totalPages || b.tables.length === 0) break;
        if (page >= maxPages) {
          log?.(
            `StatBank: the search "${search.query}" has ${totalPages} pages; read the first ${maxPages} (${tables.length} tables). ` +
              'Narrow the search to see the rest.',
          );
          break;
        }
      }
      return tables;
    },
  };
}

/** A table of a table list or a table info answer. `where` names it in messages ("tables[3]", "table info's"). */
function readListedTable(value: unknown, url: string, where: string, asked?: string): ListedTable {
  const b = (value ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  if (typeof b.id !== 'string') {
    throw new FetchError(
      `StatBank answered GET ${url} with a table without an id (${where}); it is not a table list. Check SSB_API_URL points at PxWebApi v2. ` +
        'Nothing was stored.',
      { url, reason: 'malformed' },
    );
  }
  const paths = Array.isArray(b.paths)
    ? b.paths.filter(Array.isArray).map((path: any[]) => path.filter((p) => typeof p?.id === 'string').map((p) => ({ id: p.id, label: str(p.label) ?? p.id })))
    : [];
  return {
    id: b.id,
    label: str(b.label) ?? '',
    updated: checkUpdated(b.updated, { table: asked ?? b.id, field: where.endsWith("'s") ? `${where} updated` : `updated (${where})`, url }),
    firstPeriod: str(b.firstPeriod),
    lastPeriod: str(b.lastPeriod),
    discontinued: typeof b.discontinued === 'boolean' ? b.discontinued : null,
    paths,
  };
}

interface V1Metadata {
  title: string;
  variables: { code: string; text: string; values: string[]; valueTexts: string[]; elimination?: boolean; time?: boolean }[];
}

function readV1Metadata(res: StatbankResponse, id: string): V1Metadata {
  const b = res.body as Partial<V1Metadata> | null;
  const ok =
    typeof b?.title === 'string' &&
    Array.isArray(b.variables) &&
    b.variables.every((v) => typeof v?.code === 'string' && Array.isArray(v.values) && Array.isArray(v.valueTexts));
  if (!ok) {
    throw new FetchError(
      `StatBank v1 answered ${res.method} ${res.url} with something that is not table metadata ({title, variables[{code, values, valueTexts}]}).`,
      { url: res.url, status: res.status, table: id, api: 'v1', reason: 'malformed' },
    );
  }
  return b as V1Metadata;
}

/**
 * v1 metadata as the JSON-stat 2.0 metadata v2 sends (`value: []`), so callers parse one shape: labels from
 * valueTexts, `role.time` from `time: true`, `extension.elimination` per dimension.
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
