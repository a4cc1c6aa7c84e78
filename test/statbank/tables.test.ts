import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FetchError } from '../../pipeline/errors.js';
import { projectRoot } from '../../pipeline/io/paths.js';
import { createStatbankClient, type ListedTable } from '../../pipeline/statbank/client.js';
import { parseJsonStat } from '../../pipeline/statbank/jsonstat.js';
import { formatTables, osloTime } from '../../pipeline/statbank/listing.js';
import { findSuccessor, periodAfter, pickSuccessor, sharedLeadingWords } from '../../pipeline/statbank/successor.js';
import { escapeRegExp, sentenceObject, slug, suggestDefinition, suggestion } from '../../pipeline/statbank/suggest.js';
import { isStatbankTimestamp } from '../../pipeline/statbank/updated.js';
import { startReplayServer, v2Prefix, type RecordedRequest, type ReplayServer } from '../support/replay-server.js';
import { startStandin, type Standin, type StandinShape } from '../support/standin.js';

/**
 * Finding tables: listTables (paging over the recorded page format and the stand-in's search), findSuccessor,
 * the `briefing tables` listing and the `inspect --suggest` definition snippet, and the `updated` rule.
 */

const recordedPage = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/ssb/v2/tables_query_befolkning_no_page2.json'), 'utf8'));

describe('listTables', () => {
  let replay: ReplayServer;
  beforeEach(async () => {
    replay = await startReplayServer({ recorded: false });
  });
  afterEach(async () => {
    await replay.close();
  });

  /** Answer GET /tables with SSB's recorded page, renumbered: `totalPages` pages of three tables each. */
  function servePages(totalPages: number) {
    replay.routes.set(`GET ${v2Prefix}/tables`, (r: RecordedRequest) => {
      const n = Number(new URLSearchParams(r.query).get('pageNumber'));
      return {
        body: {
          ...recordedPage,
          tables: recordedPage.tables.map((t: ListedTable) => ({ ...t, id: `${n}-${t.id}` })),
          page: { ...recordedPage.page, pageNumber: n, totalPages, totalElements: totalPages * 3 },
        },
      };
    });
  }

  it("follows the pages of SSB's answer format and reads each table", async () => {
    servePages(3);
    const tables = await createStatbankClient({ baseUrl: replay.v2Url }).listTables({ query: 'befolkning' });
    expect(tables.map((t) => t.id)).toEqual(['1-12631', '1-13760', '1-05803', '2-12631', '2-13760', '2-05803', '3-12631', '3-13760', '3-05803']);
    expect(tables[0]).toEqual({
      id: '1-12631',
      label: '12631: Andel av befolkningen (mellom 16 og 79 år) på ferie (prosent) 2013-2023',
      updated: '2024-02-26T07:00:00Z',
      firstPeriod: '2013',
      lastPeriod: '2023',
      discontinued: null,
      paths: [],
    });
    const queries = replay.requests.map((r) => Object.fromEntries(new URLSearchParams(r.query)));
    expect(queries).toEqual(
      [1, 2, 3].map((n) => ({
        lang: 'no',
        query: 'befolkning',
        includeDiscontinued: 'true',
        pageNumber: String(n),
        pageSize: '100',
      })),
    );
  });

  it('reads at most 20 pages and says so in the log', async () => {
    servePages(121);
    const log: string[] = [];
    const tables = await createStatbankClient({ baseUrl: replay.v2Url, effects: { log: (l) => log.push(l) } }).listTables({
      query: 'befolkning',
      includeDiscontinued: false,
    });
    expect(tables).toHaveLength(60);
    expect(replay.requests).toHaveLength(20);
    expect(new URLSearchParams(replay.requests[0]!.query).has('includeDiscontinued')).toBe(false);
    expect(log).toEqual(['StatBank: the search "befolkning" has 121 pages; read the first 20 (60 tables). Narrow the search to see the rest.']);
  });

  it('refuses an answer that is not a table list', async () => {
    replay.addJsonRoute('GET', `${v2Prefix}/tables`, { page: {} });
    const c = createStatbankClient({ baseUrl: replay.v2Url });
    const error = await c.listTables({ query: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).context.reason).toBe('malformed');
    expect(replay.requests).toHaveLength(1);
  });

  it('against the stand-in: search words, discontinued tables included unless asked not to', async () => {
    const standin = await startStandin({ now: () => Date.parse('2026-10-01T12:00:00Z') });
    try {
      const c = createStatbankClient({ baseUrl: standin.v2Url });
      const all = await c.listTables({ query: 'sosiale medium' });
      expect(all.map((t) => [t.id, t.discontinued])).toEqual([
        ['10977', true],
        ['10978', true],
        ['14933', false],
      ]);
      expect(all[2]!.paths).toEqual([
        [
          { id: 'tk', label: 'Teknologi og innovasjon' },
          { id: 'iktbrukn', label: 'Bruk av IKT i næringslivet' },
        ],
      ]);
      expect((await c.listTables({ query: 'sosiale medium', includeDiscontinued: false })).map((t) => t.id)).toEqual(['14933']);
      expect((await c.listTables({ query: 'SN2007' })).map((t) => t.id)).toEqual(['10975', '10977', '10978', '11307', '13265']);
      expect(await c.listTables({ query: 'nothing like this' })).toEqual([]);
    } finally {
      await standin.close();
    }
  });
});

describe('findSuccessor', () => {
  let standin: Standin;
  afterEach(async () => {
    await standin?.close();
  });

  it('10977 -> 14933 on StatBank as of 2026; 10978 and a current table have none', async () => {
    standin = await startStandin();
    const c = createStatbankClient({ baseUrl: standin.v2Url });
    expect((await findSuccessor(c, await c.tableInfo('10977')))?.id).toBe('14933');
    expect(await findSuccessor(c, await c.tableInfo('10978'))).toBeNull();
    const before = standin.requests.length;
    expect(await findSuccessor(c, await c.tableInfo('14933'))).toBeNull();
    expect(standin.requests.length - before).toBe(1); // the table info only: no search for a current table
    const search = standin.requests.find((r) => r.path.endsWith('/tables'))!;
    expect(Object.fromEntries(new URLSearchParams(search.query))).toMatchObject({ query: 'bruk av sosiale' });
  });

  it('10977 on StatBank as of 2025 is current: no successor', async () => {
    standin = await startStandin({ asOf: 2025 });
    const c = createStatbankClient({ baseUrl: standin.v2Url });
    expect(await findSuccessor(c, await c.tableInfo('10977'))).toBeNull();
  });

  const path = [
    { id: 'tk', label: 'Teknologi' },
    { id: 'iktbrukn', label: 'IKT' },
  ];
  const table = (id: string, label: string, first: string, last: string, discontinued: boolean | null = false, paths = [path]): ListedTable => ({
    id,
    label: `${id}: ${label}`,
    updated: null,
    firstPeriod: first,
    lastPeriod: last,
    discontinued,
    paths,
  });
  const old = table('10977', 'Bruk av sosiale medium, etter type (prosent)', '2013', '2025', true);

  it('pickSuccessor: same path, current, starting later, sharing at least three leading words; most words first', () => {
    const good = table('14933', 'Bruk av sosiale medium og heimeside (prosent)', '2026', '2026');
    expect(pickSuccessor(old, [good])).toBe(good);
    expect(
      pickSuccessor(old, [
        {
          ...good,
          paths: [
            [
              { id: 'tk', label: '' },
              { id: 'other', label: '' },
            ],
          ],
        },
      ]),
    ).toBeNull();
    expect(pickSuccessor(old, [{ ...good, discontinued: true }])).toBeNull();
    expect(pickSuccessor(old, [{ ...good, firstPeriod: '2025' }])).toBeNull();
    expect(pickSuccessor(old, [table('13265', 'Bruk av kunstig intelligens (prosent)', '2026', '2026')])).toBeNull();
    const closer = table('15000', 'Bruk av sosiale medium, etter type og næring', '2027', '2027');
    expect(pickSuccessor(old, [good, closer])).toBe(closer);
    const earlier = table('14000', 'Bruk av sosiale medium og heimeside (prosent)', '2026', '2026');
    const later = table('14999', 'Bruk av sosiale medium og heimeside (prosent)', '2027', '2027');
    expect(pickSuccessor(old, [later, earlier])).toBe(earlier);
  });

  it('periods and words', () => {
    expect(periodAfter('2026', '2025')).toBe(true);
    expect(periodAfter('2025M01', '2024M12')).toBe(true);
    expect(periodAfter('2025K1', '2025M12')).toBe(false);
    expect(periodAfter('2026K1', '2025M12')).toBe(true);
    expect(periodAfter(null, '2025')).toBe(false);
    expect(sharedLeadingWords('10977: Bruk av sosiale medium, etter', '14933: Bruk av sosiale medium og')).toBe(4);
  });
});

describe('formatTables', () => {
  const tables = [
    {
      id: '10977',
      label: '10977: Bruk av sosiale medium, etter type (prosent) 2013-2025',
      updated: '2025-09-24T06:00:00Z',
      firstPeriod: '2013',
      lastPeriod: '2025',
      discontinued: true,
      paths: [],
      successor: '14933',
    },
    {
      id: '14933',
      label: '14933: Bruk av sosiale medium og heimeside (prosent) 2026',
      updated: '2026-01-15T07:00:00Z',
      firstPeriod: '2026',
      lastPeriod: '2026',
      discontinued: false,
      paths: [],
    },
    {
      id: '10975',
      label: '10975: Formål med eiga heimeside\u001b[31m\n(prosent)',
      updated: null,
      firstPeriod: '2011',
      lastPeriod: null,
      discontinued: null,
      paths: [],
    },
    {
      id: '10978',
      label: '10978: Formål med bruk av sosiale medium',
      updated: '2023-09-26',
      firstPeriod: '2013',
      lastPeriod: '2023',
      discontinued: true,
      paths: [],
    },
  ];

  it('one line per table: mark, id, Oslo time, last period, status with the successor, label', () => {
    expect(formatTables(tables, { reading: ['10977', '99999'] })).toBe(
      [
        '* 10977  updated 2025-09-24 08:00  last 2025  discontinued, successor 14933  Bruk av sosiale medium, etter type (prosent) 2013-2025',
        '  14933  updated 2026-01-15 08:00  last 2026  current                        Bruk av sosiale medium og heimeside (prosent) 2026',
        '  10975  updated unknown           last ?     status unknown                 Formål med eiga heimeside [31m (prosent)',
        '  10978  updated 2023-09-26        last 2023  discontinued                   Formål med bruk av sosiale medium',
        '* read by a briefing',
        '',
      ].join('\n'),
    );
  });

  it('no mark and no legend when no briefing reads a listed table; a clear line for none', () => {
    expect(formatTables(tables.slice(1, 2))).toBe(
      '  14933  updated 2026-01-15 08:00  last 2026  current  Bruk av sosiale medium og heimeside (prosent) 2026\n',
    );
    expect(formatTables([], { reading: ['10977'] })).toBe('No StatBank tables found.\n');
  });

  it('Oslo time in summer and winter', () => {
    expect(osloTime('2025-06-30T22:30:00Z')).toBe('2025-07-01 00:30');
    expect(osloTime('2025-12-31T23:00:00Z')).toBe('2026-01-01 00:00');
    expect(osloTime('2025-09-24')).toBe('2025-09-24');
  });
});

describe('suggestDefinition', () => {
  const standins = new Map<string, Standin>();
  afterEach(async () => {
    for (const s of standins.values()) await s.close();
    standins.clear();
  });
  async function input(shapes: StandinShape[], id: string) {
    const s = await startStandin({ shapes });
    standins.set(shapes.join(), s);
    const c = createStatbankClient({ baseUrl: s.v2Url });
    const parse = async (lang: 'no' | 'en') => {
      const res = await c.metadata(id, lang);
      return parseJsonStat(res.body, { table: id, origin: res.url });
    };
    return { id, metadataNo: await parse('no'), metadataEn: await parse('en') };
  }

  it('10977 with the types as a dimension: one table, five measures, what was read as what', async () => {
    const text = suggestDefinition(await input(['typesAsDimension'], '10977'));
    expect(text.endsWith('}\n')).toBe(true);
    const doc = JSON.parse(text);
    expect(doc.tables).toEqual([{ id: '10977', label: '10977: Bruk av sosiale medium, etter type og sysselsetting og næring (SN2007) (prosent)' }]);
    expect(doc.readAs).toEqual({ time: 'Tid', size: 'SyssGrpIKT', industry: 'NACE2007', classification: 'SN2007', measure: ['SosMedType', 'ContentsCode'] });
    expect(doc.measures.map((m: { id: string }) => m.id)).toEqual([
      'uses_social_media',
      'social_networks',
      'enterprise_s_blog_or_microblogs',
      'multimedia_content_sharing_websites',
      'wiki_based_knowledge_sharing_tools',
    ]);
    expect(doc.measures[1]).toEqual({
      id: 'social_networks',
      tables: ['10977'],
      match: 'Nettsamfunn \\(t\\.d\\. Facebook, Linkedin\\)',
      codes: { 10977: { SosMedType: 'Nettsamfunn', ContentsCode: 'Foretak' } },
      base: 'all',
      words: {
        nn: { label: 'Nettsamfunn (t.d. Facebook, Linkedin)', object: 'nettsamfunn' },
        nb: { label: 'Nettsamfunn (t.d. Facebook, Linkedin)', object: 'nettsamfunn' },
        en: { label: 'Social networks (e.g. Facebook, LinkedIn)', object: 'social networks' },
      },
    });
    for (const m of doc.measures) expect(new RegExp(m.match, 'iu').test(m.words.nn.label.toUpperCase())).toBe(true);
  });

  it('14933 as ContentsCode values under an unguessed industry code: SN2025, six measures', async () => {
    const s = suggestion(await input(['unguessedIndustryCode'], '14933'));
    expect(s.readAs).toEqual({ time: 'Tid', size: 'SyssGrpIKT', industry: 'Naering', classification: 'SN2025', measure: ['ContentsCode'] });
    expect(s.measures.map((m) => m.codes['14933']!.ContentsCode)).toEqual(['Heimeside', 'SosMedium', 'Nettsamfunn', 'Blogg', 'Multimedia', 'Wiki']);
    expect(s.measures[0]!.words.en).toEqual({ label: 'Has a website', object: 'has a website' });
  });

  it('without English metadata: ids and English words from the Norwegian; repeated slugs made unique', async () => {
    const { id, metadataNo } = await input(['typesAsContents'], '10977');
    const s = suggestion({ id, metadataNo });
    expect(s.measures[0]).toMatchObject({ id: 'nyttar_sosiale_medium', words: { en: { label: 'Nyttar sosiale medium' } } });
    const twice = {
      ...metadataNo,
      dimensions: metadataNo.dimensions.map((d) =>
        d.id !== 'ContentsCode' ? d : { ...d, categories: d.categories.map((c) => ({ ...c, label: 'Same (x)' })) },
      ),
    };
    expect(suggestion({ id, metadataNo: twice }).measures.map((m) => m.id)).toEqual(['same', 'same_2', 'same_3', 'same_4', 'same_5']);
  });

  it('slugs, sentence objects and escaping', () => {
    expect(slug('Nettstader for deling av multimedieinnhald (t.d. YouTube)')).toBe('nettstader_for_deling_av_multimedieinnhald');
    expect(slug('Føretak på Ålesund – økonomi')).toBe('foretak_pa_alesund_okonomi');
    expect(slug('(…)')).toBe('measure');
    expect(sentenceObject('IKT-sikkerheit (t.d. brannmur)')).toBe('IKT-sikkerheit');
    expect(sentenceObject('Nyttar KI')).toBe('nyttar KI');
    expect(escapeRegExp('a.b*c+(d)[e]{f}|g^h$i\\j?-k/l')).toBe('a\\.b\\*c\\+\\(d\\)\\[e\\]\\{f\\}\\|g\\^h\\$i\\\\j\\?-k/l');
    expect(new RegExp(escapeRegExp('10-19 (t.d.) [x]'), 'iu').test('10-19 (T.D.) [X]')).toBe(true);
  });
});

describe('updated timestamps', () => {
  it.each([
    ['2025-09-24T06:00:00Z', true],
    ['2025-09-24', true],
    ['2025-09-24T06:00Z', true],
    ['2025-09-24T08:00:00+02:00', true],
    ['2025-09-24T06:00:00.123Z', true],
    ['2024-02-29', true],
    ['2025-02-30T06:00:00Z', false],
    ['2025-02-29', false],
    ['2025-13-01', false],
    ['2025-09-24T24:00:00Z', false],
    ['24.09.2025', false],
    ['Wed, 24 Sep 2025 06:00:00 GMT', false],
    ['', false],
    ['2025-9-24', false],
    ['2025-09-24T06:00:00Zjunk', false],
  ])('%s -> %s', (value, ok) => {
    expect(isStatbankTimestamp(value)).toBe(ok);
  });
});
