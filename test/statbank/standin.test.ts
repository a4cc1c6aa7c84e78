import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejection } from '../support/statbank-fixtures.js';
import { OfflineError } from '../../pipeline/errors.js';
import { projectRoot } from '../../pipeline/io/paths.js';
import { createStatbankClient, type Selection, type StatbankClient } from '../../pipeline/statbank/client.js';
import { observations, parseJsonStat } from '../../pipeline/statbank/jsonstat.js';
import { startStandin, type Standin } from '../support/standin.js';

/**
 * The StatBank stand-in (test/support/standin.ts) through the real client: it honours selections, answers just
 * the selected cells as JSON-stat, carries SSB's published figures and conventions, is deterministic, and
 * produces its faults; and it runs from the command line.
 */

let standin: Standin;
let client: StatbankClient;
beforeEach(async () => {
  standin = await startStandin();
  client = createStatbankClient({ baseUrl: standin.v2Url, backoffBaseMs: 5, retryBudgetMs: 200, requestTimeoutMs: 5000 });
});
afterEach(async () => {
  await standin.close();
});

/** Upper bounds of the dimension sizes, so the client can count `*` and other expressions. */
const sizes = { SyssGrpIKT: 5, NACE2007: 13, NACE2025: 11, Naering: 13, SosMedType: 6, BrukType: 7, ContentsCode: 12, Tid: 9 };

/** Every cell of a data answer as "code|code|…" -> [value, status]. */
async function cells(id: string, selection: Selection, c = client) {
  const [res] = await c.data(id, selection, { dimensionSizes: sizes });
  const ds = parseJsonStat(res!.body, { table: id });
  const out: Record<string, [number | null, string | null]> = {};
  for (const o of observations(ds)) out[ds.dimensions.map((d) => o.codes[d.id]).join('|')] = [o.value, o.status];
  return { ds, out };
}

const v = (variableCode: string, ...valueCodes: string[]) => ({ variableCode, valueCodes });

describe('tables as SSB lays them out', () => {
  it('table info, metadata with the survey conventions (13265), in Nynorsk and in English', async () => {
    const info = await client.tableInfo('10977');
    expect(info).toMatchObject({
      id: '10977',
      updated: '2025-09-24T06:00:00Z',
      firstPeriod: '2013',
      lastPeriod: '2025',
      discontinued: true,
      paths: [
        [
          { id: 'tk', label: 'Teknologi og innovasjon' },
          { id: 'iktbrukn', label: 'Bruk av IKT i næringslivet' },
        ],
      ],
    });
    expect(info.label).toBe('10977: Bruk av sosiale medium, etter type og sysselsetting og næring (SN2007) (prosent) 2013-2025');
    const no = (await client.metadata('10977')).body as any;
    expect(no).toMatchObject({
      version: '2.0',
      class: 'dataset',
      id: ['SyssGrpIKT', 'NACE2007', 'ContentsCode', 'Tid'],
      size: [5, 13, 5, 9],
      value: [],
      role: { time: ['Tid'], metric: ['ContentsCode'] },
      note: ['Føretak med minst 10 sysselsette er med i undersøkinga.', expect.stringMatching(/^\. = Ikke mulig å oppgi tall/)],
      extension: { px: { tableid: '10977', decimals: 0, language: 'no', contents: '10977: Bruk av sosiale medium (prosent),' } },
    });
    expect(no.dimension.SyssGrpIKT.category.label).toEqual({
      '00': 'Alle sysselsette',
      '02': '10-19 sysselsette',
      '03': '20-49 sysselsette',
      '04': '50-99 sysselsette',
      '05': '100 sysselsette eller fleire',
    });
    // An index object's key order is not the position ("45" sorts first in a JS object): order by position.
    const inOrder = (index: Record<string, number>) =>
      Object.entries(index)
        .sort((x, y) => x[1] - y[1])
        .map(([code]) => code);
    expect(inOrder(no.dimension.NACE2007.category.index)).toEqual([
      'Total+K',
      'Total-K',
      '10-39',
      '41-43',
      '45',
      '46',
      '47',
      '49-53',
      '55-56',
      '58-63',
      '64-66',
      '68-74+77-82+95.1',
      '68-75+77-82+95.1',
    ]);
    expect(inOrder(no.dimension.Tid.category.index)).toEqual(['2013', '2014', '2015', '2016', '2017', '2019', '2021', '2023', '2025']);
    expect(no.dimension.ContentsCode.category.label.Nettsamfunn).toBe('Nettsamfunn (t.d. Facebook, Linkedin)');
    expect(no.dimension.ContentsCode.category.unit.Nettsamfunn).toEqual({ base: 'prosent', decimals: 0 });
    const en = (await client.metadata('10977', 'en')).body as any;
    expect(en.dimension.ContentsCode.category.label.Nettsamfunn).toBe('Social networks (e.g. Facebook, LinkedIn)');
    expect(en.dimension.NACE2007.label).toBe('industry (SIC2007)');
    expect(en.extension.px.language).toBe('en');
    expect(standin.requests.map((r) => r.query)).toEqual(['lang=no', 'lang=no&outputFormat=json-stat2', 'lang=en&outputFormat=json-stat2']);
  });

  it('carries SSB\'s published figures, and "." where a category was not in use or a question not asked', async () => {
    const { out } = await cells('10977', [
      v('SyssGrpIKT', '00', '05'),
      v('NACE2007', 'Total+K', '58-63', '68-74+77-82+95.1', '68-75+77-82+95.1'),
      v('ContentsCode', '*'),
      v('Tid', '*'),
    ]);
    expect(out['00|Total+K|SosMedium|2013']).toEqual([50, null]);
    expect(out['00|Total+K|Nettsamfunn|2013']).toEqual([44, null]); // revised from 45
    expect(out['05|Total+K|SosMedium|2013']).toEqual([60, null]);
    expect(out['00|Total+K|SosMedium|2019']).toEqual([76, null]);
    expect(out['05|Total+K|Nettsamfunn|2019']).toEqual([85, null]);
    expect(out['00|58-63|SosMedium|2019']).toEqual([92, null]);
    expect(out['00|Total+K|Wiki|2014']).toEqual([null, '.']); // the types were not asked in 2014
    expect(out['00|68-75+77-82+95.1|SosMedium|2019']).toEqual([null, '.']);
    expect(out['00|68-74+77-82+95.1|SosMedium|2021']).toEqual([null, '.']);
    expect(out['00|68-74+77-82+95.1|SosMedium|2019']![0]).toBeTypeOf('number');
    const values = Object.values(out)
      .map(([value]) => value)
      .filter((x): x is number => x !== null);
    expect(values.every((x) => Number.isInteger(x) && x >= 0 && x <= 100)).toBe(true);
  });

  it('is deterministic: two stand-ins give the same bytes', async () => {
    const other = await startStandin();
    try {
      const c2 = createStatbankClient({ baseUrl: other.v2Url });
      const selection = [v('SyssGrpIKT', '*'), v('NACE2007', '*'), v('ContentsCode', '*'), v('Tid', '*')];
      const sizes = { SyssGrpIKT: 5, NACE2007: 13, ContentsCode: 5, Tid: 9 };
      const [a] = await client.data('10977', selection, { dimensionSizes: sizes });
      const [b] = await c2.data('10977', selection, { dimensionSizes: sizes });
      expect(a!.text).toBe(b!.text);
      expect((a!.body as any).value).toHaveLength(5 * 13 * 5 * 9);
    } finally {
      await other.close();
    }
  });

  it('lists 10975, 11307 and 13265 but serves their metadata as non-existent; other ids are 404 Problem JSON', async () => {
    expect((await client.tableInfo('13265')).lastPeriod).toBe('2025');
    const listed = await rejection(client.metadata('13265'));
    expect(listed.context).toMatchObject({ status: 404, title: 'Non-existent table' });
    const unknown = await rejection(client.tableInfo('99999'));
    expect(unknown.context).toMatchObject({ status: 404, title: 'Non-existent table', reason: 'status' });
    expect(standin.tableIds()).toEqual(['10977', '10978', '14933']);
  });

  it('as of 2025 there is no 14933 and 10977 is current', async () => {
    const earlier = await startStandin({ asOf: 2025 });
    try {
      const c = createStatbankClient({ baseUrl: earlier.v2Url });
      expect((await c.tableInfo('10977')).discontinued).toBe(false);
      expect((await rejection(c.tableInfo('14933'))).context.status).toBe(404);
    } finally {
      await earlier.close();
    }
  });
});

describe('selections', () => {
  it('codes, *, top(n), bottom(n), from, to, range and wildcards select just those cells, in the table order', async () => {
    const pick = async (codes: string[]) => {
      const { ds } = await cells('10977', [v('NACE2007', 'Total+K'), v('ContentsCode', 'SosMedium'), v('Tid', ...codes)]);
      return ds.dimensions.find((d) => d.id === 'Tid')!.categories.map((c) => c.code);
    };
    expect(await pick(['2019', '2013'])).toEqual(['2013', '2019']);
    expect(await pick(['top(2)'])).toEqual(['2023', '2025']);
    expect(await pick(['bottom(1)'])).toEqual(['2013']);
    expect(await pick(['from(2019)'])).toEqual(['2019', '2021', '2023', '2025']);
    expect(await pick(['to(2014)'])).toEqual(['2013', '2014']);
    expect(await pick(['[range(2015,2017)]'])).toEqual(['2015', '2016', '2017']);
    expect(await pick(['201*'])).toEqual(['2013', '2014', '2015', '2016', '2017', '2019']);
    expect(await pick(['202?', 'bottom(1)'])).toEqual(['2013', '2021', '2023', '2025']);
  });

  it('answers JSON-stat of just the selected cells; an eliminable variable left out is its elimination code', async () => {
    const { ds, out } = await cells('10977', [v('NACE2007', 'Total+K', '58-63'), v('ContentsCode', 'Nettsamfunn', 'Wiki'), v('Tid', '2013', '2025')]);
    expect(ds.size).toEqual([1, 2, 2, 2]);
    expect(ds.dimensions[0]!.categories).toEqual([{ code: '00', label: 'Alle sysselsette' }]);
    expect(ds.values).toHaveLength(8);
    expect(Object.keys(out)).toHaveLength(8);
    expect(out['00|Total+K|Nettsamfunn|2013']).toEqual([44, null]);
    expect(ds.updated).toBe('2025-09-24T06:00:00Z');
  });

  it('refuses as PxWebApi does: an unknown value or variable, a mandatory variable left out (400); a repeated code (empty 500)', async () => {
    const unknownValue = await rejection(
      client.data('10977', [v('NACE2007', '99-99'), v('ContentsCode', '*'), v('Tid', '*')], { dimensionSizes: { ContentsCode: 5, Tid: 9 } }),
    );
    expect(unknownValue.context).toMatchObject({ status: 400, title: 'Non-existent value' });
    const unknownVariable = await rejection(client.data('10977', [v('Fylke', '03'), v('NACE2007', 'Total+K')]));
    expect(unknownVariable.context).toMatchObject({ status: 400, title: 'Non-existent variable' });
    const missing = await rejection(client.data('10977', [v('SyssGrpIKT', '00')]));
    expect(missing.context).toMatchObject({ status: 400, title: 'Missing selection for mandantory variable' });
    // The client drops repeated codes; sent as they are, StatBank (and the stand-in) answer an empty 500.
    const res = await fetch(`${standin.v2Url}/tables/10977/data?lang=no&outputFormat=json-stat2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ selection: [v('NACE2007', 'Total+K', 'Total+K'), v('ContentsCode', '*'), v('Tid', '*')] }),
    });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('');
  });

  it('no selection at all: a small default slice (the latest year, every measure)', async () => {
    const [res] = await client.data('10977', []);
    expect((res!.body as any).size).toEqual([1, 1, 5, 1]);
    expect(Object.keys((res!.body as any).dimension.Tid.category.index)).toEqual(['2025']);
  });

  it('the other shapes: types as a dimension, industry first, an unguessed industry code, an extra measure', async () => {
    const other = await startStandin({ shapes: ['typesAsDimension', 'industryFirst', 'unguessedIndustryCode', 'extraMeasure'] });
    try {
      const c = createStatbankClient({ baseUrl: other.v2Url });
      const { ds, out } = await cells('10977', [v('Naering', 'Total+K'), v('SosMedType', '*'), v('ContentsCode', '*'), v('Tid', '2013')], c);
      expect(ds.dimensions.map((d) => d.id)).toEqual(['Naering', 'SyssGrpIKT', 'SosMedType', 'ContentsCode', 'Tid']);
      expect(out['Total+K|00|Nettsamfunn|Foretak|2013']).toEqual([44, null]);
      expect(out['Total+K|00|BetaltAnnonse|Foretak|2013']).toEqual([null, '.']);
      const sn2025 = await cells('14933', [v('Naering', '*'), v('BrukType', 'Heimeside'), v('ContentsCode', '*'), v('Tid', '*')], c);
      expect(sn2025.out['Total|00|Heimeside|Foretak|2026']).toEqual([86, null]);
      expect(Object.keys(sn2025.out)).toHaveLength(11);
    } finally {
      await other.close();
    }
  });
});

describe('faults', () => {
  it('renamedCode: a later version with NACE 58-63 renamed 58-63X, same figures', async () => {
    const before = await cells('10977', [v('NACE2007', '58-63'), v('ContentsCode', 'SosMedium'), v('Tid', '2019')]);
    standin.fault('renamedCode');
    expect((await client.tableInfo('10977')).updated).toBe('2025-10-15T06:00:00Z');
    const meta = (await client.metadata('10977')).body as any;
    expect(Object.keys(meta.dimension.NACE2007.category.index)).toContain('58-63X');
    expect(Object.keys(meta.dimension.NACE2007.category.index)).not.toContain('58-63');
    const old = await rejection(client.data('10977', [v('NACE2007', '58-63'), v('ContentsCode', 'SosMedium'), v('Tid', '2019')]));
    expect(old.context.title).toBe('Non-existent value');
    const after = await cells('10977', [v('NACE2007', '58-63X'), v('ContentsCode', 'SosMedium'), v('Tid', '2019')]);
    expect(after.out['00|58-63X|SosMedium|2019']).toEqual(before.out['00|58-63|SosMedium|2019']);
  });

  it('malformedUpdated: table info, metadata and data are each refused, naming the table, the field and the value', async () => {
    standin.fault('malformedUpdated');
    const info = await rejection(client.tableInfo('10977'));
    expect(info.context).toMatchObject({ reason: 'malformed', table: '10977' });
    expect(info.message).toMatch(
      /^StatBank sent table 10977 with a malformed table info's updated: "2025-02-30T06:00:00Z" is not an ISO 8601 date-time or date of the calendar/,
    );
    const meta = await rejection(client.metadata('10977'));
    expect(meta.message).toMatch(/malformed JSON-stat updated: "2025-02-30T06:00:00Z"/);
    const data = await rejection(client.data('10977', [v('NACE2007', 'Total+K'), v('ContentsCode', 'SosMedium'), v('Tid', '2019')]));
    expect(data.context).toMatchObject({ reason: 'malformed', table: '10977' });
    const listed = await rejection(client.listTables({ query: 'sosiale' }));
    expect(listed.message).toMatch(/table 10977 with a malformed updated \(tables\[0\]\)/);
    expect(standin.requests).toHaveLength(4); // refused, not retried
  });

  it('unavailable: 503 for every request ends in OfflineError unavailable within the budget', async () => {
    standin.fault('unavailable');
    const started = Date.now();
    const error = await rejection(client.tableInfo('10977'));
    expect(error).toBeInstanceOf(OfflineError);
    expect((error as OfflineError).context.why).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(5000); // waits of at most 200 ms in all, plus the requests
    expect(standin.requests.every((r) => r.status === 503)).toBe(true);
  });

  it('oversize (with and without Content-Length), gzipBomb and redirectPost on the data POST: refused at once', async () => {
    const selection = [v('NACE2007', 'Total+K'), v('ContentsCode', 'SosMedium'), v('Tid', '2019')];
    const small = createStatbankClient({ baseUrl: standin.v2Url, maxCells: 1000 });
    for (const [fault, options, reason] of [
      ['oversize', { maxCells: 1000 }, 'too-large'],
      ['oversize', { maxCells: 1000, declareLength: false }, 'too-large'],
      ['gzipBomb', {}, 'too-large'],
      ['redirectPost', {}, 'redirect'],
    ] as const) {
      standin.clearFaults();
      standin.fault(fault, options);
      const sent = standin.requests.length;
      const error = await rejection((fault === 'gzipBomb' ? client : small).data('10977', selection));
      expect(error.context.reason).toBe(reason);
      expect(standin.requests.length - sent).toBe(1);
      expect((await small.tableInfo('10977')).id).toBe('10977'); // only the data POST is hit
    }
  });
});

describe('the command line', () => {
  it('node dist/test/support/standin.js --shape typesAsDimension --port 0 prints its URL and serves until SIGTERM', async () => {
    const child = spawn(process.execPath, [join(projectRoot, 'dist/test/support/standin.js'), '--shape', 'typesAsDimension', '--port', '0'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('close', () => reject(new Error(`stand-in ended early: ${out}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/pxwebapi\/v2$/);
      const meta = (await createStatbankClient({ baseUrl: url }).metadata('10977')).body as any;
      expect(meta.id).toEqual(['SyssGrpIKT', 'NACE2007', 'SosMedType', 'ContentsCode', 'Tid']);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('an unknown shape: exit 2 with the usage', async () => {
    const child = spawn(process.execPath, [join(projectRoot, 'dist/test/support/standin.js'), '--shape', 'sideways'], { cwd: projectRoot });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/^Unknown shape "sideways"\. Usage: node dist\/test\/support\/standin\.js/);
  });
});
