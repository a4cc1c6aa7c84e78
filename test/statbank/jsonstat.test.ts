import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JsonStatError } from '../../pipeline/errors.js';
import { MAX_CELLS, observations, parseJsonStat, parseJsonStatText, type JsonStatDataset } from '../../pipeline/statbank/jsonstat.js';
import { describeDataset, formatObservations } from '../../pipeline/statbank/jsonstat-format.js';

const ssbDir = fileURLToPath(new URL('../fixtures/ssb/', import.meta.url));
const edgeDir = fileURLToPath(new URL('../fixtures/jsonstat/', import.meta.url));
const edge = (name: string) => readFileSync(edgeDir + name, 'utf8');
const parseEdge = (name: string) => parseJsonStatText(edge(name), { origin: `fixtures/jsonstat/${name}` });

/** Every recorded SSB document that is a JSON-stat dataset (directly or inside the v1-era wrapper). */
const jsonStatFixtures = readdirSync(ssbDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, raw: JSON.parse(readFileSync(ssbDir + file, 'utf8').replace(/^\uFEFF/, '')) as unknown }))
  .map(({ file, raw }) => ({ file, doc: (raw as { dataset?: unknown }).dataset ?? raw }))
  .filter(({ doc }) => (doc as { class?: unknown }).class === 'dataset') as { file: string; doc: Record<string, unknown> }[];

const parseSsb = (file: string) => parseJsonStatText(readFileSync(ssbDir + file, 'utf8'), { origin: file });
/** The cell at a flat index, through observations() so the codes are checked too. */
const cell = (ds: JsonStatDataset, flat: number) => [...observations(ds)][flat]!;

/** Run `action`, expect a JsonStatError, return its message. */
function rejection(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(JsonStatError);
    return (error as JsonStatError).message;
  }
  throw new Error('expected a JsonStatError, got a result');
}

describe('parseJsonStat on every recorded SSB JSON-stat document', () => {
  it('finds the seven documents', () => {
    expect(jsonStatFixtures.map((f) => f.file)).toEqual([
      'v0/05300_v0_data_jsonstat2.json',
      'v0/13265_v0_data_jsonstat2.json',
      'v0/14306_v0_metadata_and_data.json',
      'v2/03024_data_POST_no_jsonstat2.json',
      'v2/11118_data_no_default_jsonstat2.json',
      'v2/11118_metadata_no_jsonstat2.json',
      'v2/13615_data_v2beta_jsonstat2.json',
    ]);
  });

  for (const { file, doc } of jsonStatFixtures) {
    it(`${file}: cell count, dense arrays, statuses for every null`, () => {
      const ds = parseSsb(file);
      const size = doc.size as number[];
      expect(ds.size).toEqual(size);
      expect(ds.cellCount).toBe(size.reduce((a, b) => a * b, 1));
      expect(ds.dimensions.map((d) => d.categories.length)).toEqual(size);
      expect(ds.updated).toBe(doc.updated);
      expect(ds.table).toBe(file.slice(3, 8));
      if (!ds.hasValues) {
        // v2-beta metadata: no `value` at all (v2 sends `[]`); treated as metadata only.
        expect(doc.value === undefined || (doc.value as unknown[]).length === 0).toBe(true);
        expect(ds.values).toEqual([]);
        expect([...observations(ds)]).toEqual([]);
        return;
      }
      expect(ds.values).toHaveLength(ds.cellCount);
      expect(ds.statuses).toHaveLength(ds.cellCount);
      expect(ds.values).toEqual(doc.value);
      expect([...observations(ds)]).toHaveLength(ds.cellCount);
      if (doc.status !== undefined) {
        ds.values.forEach((v, i) => {
          if (v === null) expect(ds.statuses[i], `${file} cell ${i}`).not.toBeNull();
        });
        expect(ds.warnings).toEqual([]);
      }
    });
  }

  it('05300 (v0, compact, version key last): hand-read cells', () => {
    const ds = parseSsb('v0/05300_v0_data_jsonstat2.json');
    // size [6,8,1,9] -> strides [72,9,9,1]. Avstand1 02 (1), Kulturtilbud 03 (2), Tid 2012 (6): 72+18+6 = 96.
    expect(cell(ds, 96)).toEqual({ codes: { Avstand1: '02', Kulturtilbud: '03', ContentsCode: 'Avstand', Tid: '2012' }, value: 34, status: null });
    // Avstand1 05 (4), Kulturtilbud 02 (1), Tid 1991 (0): 288+9 = 297.
    expect(cell(ds, 297).value).toBe(38);
    // Avstand1 06 (5), Kulturtilbud 01 (0), Tid 1991 (0): 360 -> null ".."; 06, 08 (7), 2021 (8): 360+63+8 = 431 -> null ".".
    expect(cell(ds, 360)).toMatchObject({ codes: { Avstand1: '06', Kulturtilbud: '01', Tid: '1991' }, value: null, status: '..' });
    expect(cell(ds, 431)).toMatchObject({ codes: { Avstand1: '06', Kulturtilbud: '08', Tid: '2021' }, value: null, status: '.' });
    expect(ds.dimensions.map((d) => d.role)).toEqual([null, null, 'metric', 'time']);
    expect(ds.dimensions[2]!.categories[0]!.unit).toEqual({ label: 'prosent', decimals: 0 });
  });

  it('13265 (same survey as 10977): hand-read cells, a real 0 stays 0', () => {
    const ds = parseSsb('v0/13265_v0_data_jsonstat2.json');
    // size [1,13,4,4] -> strides [208,16,4,1]. NACE2007 58-63 (9), BrukarKunstigIntelli (3), Tid 2025 (3): 144+12+3 = 159.
    expect(cell(ds, 159)).toEqual({
      codes: { SyssGrpIKT: '00', NACE2007: '58-63', ContentsCode: 'BrukarKunstigIntelli', Tid: '2025' },
      value: 80,
      status: null,
    });
    // NACE2007 47 (6), GenSkriftTale (1), Tid 2021 (0): 96+4 = 100 -> 0 published as 0.
    expect(cell(ds, 100)).toMatchObject({ codes: { NACE2007: '47', ContentsCode: 'GenSkriftTale', Tid: '2021' }, value: 0 });
    // Total+K (0), GenSkriftTale (1), Tid 2024 (2): 4+2 = 6 -> null ".".
    expect(cell(ds, 6)).toMatchObject({ value: null, status: '.' });
    expect(ds.notes[0]).toEqual({ text: 'Føretak med minst 10 sysselsette er med i undersøkinga.', mandatory: false });
  });

  it('14306 (v1-era wrapper): unwrapped, hand-read cells, confidential ":"', () => {
    const ds = parseSsb('v0/14306_v0_metadata_and_data.json');
    // size [17,21,2,8] -> strides [336,16,8,1]. Region 03 (3), NACE 41-43 (5), LedigeStillingerPros (1), 2025K4 (7):
    // 1008+80+8+7 = 1103.
    expect(cell(ds, 1103)).toEqual({
      codes: { Region: '03', NACE2007: '41-43', ContentsCode: 'LedigeStillingerPros', Tid: '2025K4' },
      value: 2.2,
      status: null,
    });
    // Region 32 (2), NACE 58-63 (9), LedigeStillinger (0), 2025K1 (4): 672+144+4 = 820.
    expect(cell(ds, 820).value).toBe(600);
    // Region 31 (1), NACE 05-09 (2), LedigeStillinger (0), 2024K1 (0): 336+32 = 368 -> suppressed.
    expect(cell(ds, 368)).toMatchObject({ codes: { Region: '31', NACE2007: '05-09' }, value: null, status: ':' });
    expect(ds.dimensions[0]!.notes[0]!.text).toMatch(/^\[Se liste over endringer/);
    const asked = parseJsonStatText(readFileSync(ssbDir + 'v0/14306_v0_metadata_and_data.json', 'utf8'), { table: '10977' });
    expect(asked.table).toBe('14306');
    expect(asked.warnings).toEqual(['asked for table 10977 but the document is table 14306']);
  });

  it('03024, 11118 and 13615 (v2): hand-read cells', () => {
    const salmon = parseSsb('v2/03024_data_POST_no_jsonstat2.json');
    // size [2,2,48] -> strides [96,48,1]. 02 (1), Kilopris (1), 2025U10 (9): 96+48+9 = 153; 01, Kilopris, 2025U03: 48+2 = 50.
    expect(cell(salmon, 153)).toEqual({ codes: { VareGrupper2: '02', ContentsCode: 'Kilopris', Tid: '2025U10' }, value: 93.43, status: null });
    expect(cell(salmon, 50).value).toBe(105.08);
    expect(salmon.dimensions[1]!.categories[1]!.unit).toEqual({ label: 'kr', decimals: 2 });

    const cpi = parseSsb('v2/11118_data_no_default_jsonstat2.json');
    // size [14,1,2] -> strides [2,2,1]. B2 (9), 2023 (0), Aarsendring (1): 18+1 = 19; B222 (13), LevIndAar (0): 26.
    expect(cell(cpi, 19)).toEqual({ codes: { Leveringssektor: 'B2', Tid: '2023', ContentsCode: 'Aarsendring' }, value: 5.2, status: null });
    expect(cell(cpi, 26).value).toBe(134.2);

    const fuel = parseSsb('v2/13615_data_v2beta_jsonstat2.json');
    // size [10,2,1,5] -> strides [10,5,5,1]. 07 (6), NACE 50 (1), 2021 (1): 60+5+1 = 66; 08 (7), 01-03 (0), 2022 (2): 72.
    expect(cell(fuel, 66)).toMatchObject({ codes: { Produkter: '07', NACE: '50', Tid: '2021' }, value: 7712 });
    expect(cell(fuel, 72).value).toBe(45);
    // 06 (5), NACE 50 (1), 2020 (0): 50+5 = 55 -> ".".
    expect(cell(fuel, 55)).toMatchObject({ codes: { Produkter: '06', NACE: '50', Tid: '2020' }, value: null, status: '.' });
  });

  it('11118 metadata: codeLists ignored, 252 cells described, none present', () => {
    const ds = parseSsb('v2/11118_metadata_no_jsonstat2.json');
    expect(ds).toMatchObject({ hasValues: false, cellCount: 14 * 2 * 9, values: [], statuses: [], table: '11118' });
    expect(formatObservations(ds, 'csv')).toBe('Leveringssektor,ContentsCode,Tid,value,status\r\n');
    const exact = parseJsonStat({ ...jsonStatFixtures.find((f) => f.file.includes('11118_metadata'))!.doc, value: [] });
    expect(exact.hasValues).toBe(false);
  });
});

describe('parseJsonStat on hand-made edge cases (test/fixtures/jsonstat/)', () => {
  it('sparse value and status objects: absent cells are null, never 0, and reported', () => {
    const ds = parseEdge('sparse-value.json');
    expect(ds.values).toEqual([null, 5, null, null, 7.5, null]);
    expect(ds.statuses).toEqual([null, '*', null, null, null, ':']);
    expect(ds.warnings).toEqual(['3 of 6 cells are null without a status symbol (first at flat index 0); kept as missing, not 0']);
    expect(ds).toMatchObject({ table: '99901', updated: '2025-09-24', source: null });
    expect(ds.notes).toEqual([
      { text: 'First line\nsecond line', mandatory: true },
      { text: 'Not mandatory', mandatory: false },
    ]);
    expect(ds.dimensions[0]).toEqual({
      id: 'ContentsCode',
      label: 'statistikkvariabel',
      role: 'metric',
      categories: [
        { code: 'Andel', label: 'Share (per cent)', unit: { label: 'prosent', decimals: 1 } },
        { code: 'Antall', label: 'Count', unit: { label: 'enterprises', decimals: 0 } },
      ],
      notes: [{ text: 'Measure note\nwith a [link](https://www.ssb.no/)', mandatory: true }],
    });
    // Unlabelled categories take their code as label.
    expect(ds.dimensions[1]!.categories[2]).toEqual({ code: '2025', label: '2025' });
  });

  it('status as one string, and as an array', () => {
    expect(parseEdge('status-string.json').statuses).toEqual(['..', '..', '..']);
    const ds = parseEdge('status-array.json');
    expect(ds.statuses).toEqual([null, '.', '-', ':']);
    expect(ds.values).toEqual([61, null, 0, null]);
    expect(ds.warnings).toEqual([]);
  });

  it('position comes from the index numbers, not the key order; one category may omit index', () => {
    const ds = parseEdge('index-key-order.json');
    expect(ds.dimensions.map((d) => d.categories.map((c) => c.code))).toEqual([['0', '2', '1'], ['a', 'b'], ['Personer']]);
    expect(ds.dimensions[0]!.categories.map((c) => c.label)).toEqual(['young', 'middle', 'old']);
    // Flat index 2 = Alder position 1 (code "2") x 2 + Kjonn position 0 (code "a").
    expect(cell(ds, 2)).toEqual({ codes: { Alder: '2', Kjonn: 'a', ContentsCode: 'Personer' }, value: 20, status: null });
    expect(cell(ds, 5).codes).toEqual({ Alder: '1', Kjonn: 'b', ContentsCode: 'Personer' });
  });

  it('a leading byte order mark is skipped, as text and as bytes', () => {
    const text = edge('bom.json');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(parseJsonStatText(text).values).toEqual([61, null, 0, null]);
    expect(parseJsonStatText(readFileSync(edgeDir + 'bom.json')).statuses).toEqual([null, '.', '-', ':']);
  });

  it('truncated JSON names the origin and says it may be truncated', () => {
    const message = rejection(() => parseEdge('truncated.json'));
    expect(message).toMatch(/^JSON-stat from fixtures\/jsonstat\/truncated\.json: the text is not valid JSON \(/);
    expect(message).toContain('180 characters received, so the response may be truncated');
    expect(message).toContain('fetch it again');
    expect(rejection(() => parseJsonStatText('\uFEFF  ', { table: '10977' }))).toMatch(/^JSON-stat from table 10977: the text is empty/);
    expect(rejection(() => parseJsonStatText(new Uint8Array([0x7b, 0xff, 0x7d])))).toContain('not valid UTF-8');
  });

  it('broken documents name the table/origin and the field', () => {
    expect(rejection(() => parseEdge('wrong-size-length.json'))).toMatch(
      /^JSON-stat from fixtures\/jsonstat\/wrong-size-length\.json: size: has 1 entries but id lists 2 dimensions\. The whole document was rejected/,
    );
    expect(rejection(() => parseJsonStatText(edge('index-out-of-range.json'), { origin: 'x.json' }))).toMatch(
      /^JSON-stat from table 10977 \(x\.json\): dimension\.Tid\.category\.index: position 5 is out of range for 3 categories\./,
    );
    expect(rejection(() => parseEdge('value-wrong-length.json'))).toContain('value: has 5 entries but size makes 6 cells.');
  });
});

describe('parseJsonStat rejects what breaks the format', () => {
  const base = () => JSON.parse(edge('status-array.json')) as Record<string, any>;
  const reject = (mutate: (doc: Record<string, any>) => void, source = { table: '10977' }) => {
    const doc = base();
    mutate(doc);
    return rejection(() => parseJsonStat(doc, source))
      .replace(/^JSON-stat from table 10977: /, '')
      .replace(/\. The whole .*$/, '');
  };

  it.each([
    ['class collection', (d: any) => (d.class = 'collection'), 'class: expected "dataset", got "collection" (only single datasets are read, not collections)'],
    ['version 1.0', (d: any) => (d.version = '1.0'), 'version: expected "2.0", got "1.0"'],
    ['duplicate id', (d: any) => (d.id = ['Tid', 'Tid']), 'id[1]: dimension id "Tid" appears twice'],
    ['dimension missing', (d: any) => delete d.dimension.Tid, 'dimension.Tid: dimension "Tid" is listed in id but missing'],
    ['inherited key', (d: any) => (d.id[1] = 'constructor'), 'dimension.constructor: dimension "constructor" is listed in id but missing'],
    ['negative size', (d: any) => (d.size[0] = -2), 'size[0]: expected a positive integer, got -2'],
    ['too many cells', (d: any) => (d.size = [100_000, 1_000]), `size: describes more than ${MAX_CELLS} cells (StatBank serves at most 800,000 a request)`],
    ['size vs categories', (d: any) => (d.size = [2, 1]), 'dimension.Tid.category.index: has 2 categories but size[1] is 1'],
    [
      'position not integer',
      (d: any) => (d.dimension.Tid.category.index['2025'] = 0.5),
      'dimension.Tid.category.index.2025: expected an integer position, got 0.5',
    ],
    ['position twice', (d: any) => (d.dimension.Tid.category.index['2025'] = 0), 'dimension.Tid.category.index.2025: position 0 is also given to "2024"'],
    [
      'index missing, 2 labels',
      (d: any) => (d.dimension.Tid.category = { label: { a: 'A', b: 'B' } }),
      'dimension.Tid.category.index: is missing, which is allowed only for a dimension with one category (category.label has 2)',
    ],
    ['label not string', (d: any) => (d.dimension.Tid.category.label = { 2024: 7 }), 'dimension.Tid.category.label.2024: expected a string, got 7'],
    ['role unknown id', (d: any) => (d.role = { time: ['Year'] }), 'role.time[0]: "Year" is not a dimension listed in id'],
    ['string value', (d: any) => (d.value[2] = '12'), 'value[2]: is the string "12"; only numbers or null are read'],
    ['sparse key out of range', (d: any) => (d.value = { 4: 1 }), 'value.4: key must be a flat cell index from 0 to 3'],
    ['sparse key not canonical', (d: any) => (d.value = { '01': 1 }), 'value.01: key must be a flat cell index from 0 to 3'],
    ['status array length', (d: any) => (d.status = ['.', '.']), 'status: has 2 entries but size makes 4 cells'],
    ['status object range', (d: any) => (d.status = { 9: '.' }), 'status.9: key must be a flat cell index from 0 to 3'],
    ['status number', (d: any) => (d.status = 3), 'status: expected a string, an array or an object {flatIndex: symbol}, got 3'],
    [
      'unit decimals',
      (d: any) => (d.dimension.Tid.category.unit = { 2024: { decimals: -1 } }),
      'dimension.Tid.category.unit.2024.decimals: expected an integer from 0 to 20, got -1',
    ],
    ['note not array', (d: any) => (d.note = 'text'), 'note: expected an array of strings, got "text"'],
  ])('%s', (_name, mutate, expected) => {
    expect(reject(mutate)).toBe(expected);
  });

  it('an API error body, a non-object and a huge number', () => {
    expect(rejection(() => parseJsonStat({ error: 'Parameter error' }, { origin: 'https://x/api' }))).toMatch(
      /^JSON-stat from https:\/\/x\/api: class: is missing; this is an API error body \("Parameter error"\), not a dataset\./,
    );
    expect(rejection(() => parseJsonStat([1, 2]))).toMatch(/^JSON-stat from an unnamed source: document: expected a JSON object, got an array/);
    expect(rejection(() => parseJsonStatText(edge('status-array.json').replace('61', '1e999')))).toContain(
      'value[0]: expected a finite number or null, got Infinity',
    );
  });

  it('paths inside the v1-era wrapper start with dataset.', () => {
    const wrapped = { fetched_at: '2026-03-17T08:42:29Z', table_id: '14306', dataset: { ...base(), size: [2] } };
    const message = rejection(() => parseJsonStat(wrapped));
    expect(message).toMatch(/^JSON-stat from table 14306: dataset\.size: has 1 entries but id lists 2 dimensions/);
    const error = (() => {
      try {
        parseJsonStat(wrapped);
      } catch (e) {
        return e as JsonStatError;
      }
    })()!;
    expect(error.exitCode).toBe(8);
    expect(error.context).toMatchObject({ table: '14306', path: 'dataset.size' });
  });
});

describe('formatObservations and describeDataset', () => {
  const ds = () => parseEdge('format-small.json');

  it('CSV per RFC 4180: codes, value, status; quoted where needed; empty for null', () => {
    expect(formatObservations(ds(), 'csv')).toBe(
      'kind,Tid,value,status\r\n' + '"a,b",2024,1.5,\r\n' + '"a,b",2025,,:\r\n' + '"q""x",2024,-2,\r\n' + '"q""x",2025,1000000,*\r\n',
    );
  });

  it('JSON: an array of objects, one per line', () => {
    const text = formatObservations(ds(), 'json');
    expect(text).toBe(
      '[\n' +
        '{"kind":"a,b","Tid":"2024","value":1.5,"status":null},\n' +
        '{"kind":"a,b","Tid":"2025","value":null,"status":":"},\n' +
        '{"kind":"q\\"x","Tid":"2024","value":-2,"status":null},\n' +
        '{"kind":"q\\"x","Tid":"2025","value":1000000,"status":"*"}\n' +
        ']\n',
    );
    expect(JSON.parse(text)).toHaveLength(4);
  });

  it('a dimension called value cannot be listed', () => {
    const doc = JSON.parse(edge('format-small.json'));
    doc.id[1] = 'value';
    doc.dimension.value = doc.dimension.Tid;
    expect(rejection(() => formatObservations(parseJsonStat(doc), 'csv'))).toContain('dimension "value" has the same name as the value column');
  });

  it('describeDataset lists dimensions, codes, updated and mandatory notes', () => {
    expect(describeDataset(parseEdge('sparse-value.json'))).toBe(
      [
        'Table 99901: Sparse value and status objects, notes with CRLF',
        'Updated: 2025-09-24',
        'Cells: 2 x 3 = 6',
        '',
        'ContentsCode: statistikkvariabel [metric] (2 categories)',
        '  Andel   Share (per cent) (prosent, 1 decimal)',
        '  Antall  Count (enterprises, 0 decimals)',
        '',
        'Tid: år [time] (3 categories)',
        '  2023  2023',
        '  2024  2024',
        '  2025  2025',
        '',
        'Notes that must be shown with the figures:',
        '  - (table) First line',
        '    second line',
        '  - (ContentsCode) Measure note',
        '    with a [link](https://www.ssb.no/)',
        '',
        'Warning: 3 of 6 cells are null without a status symbol (first at flat index 0); kept as missing, not 0',
        '',
      ].join('\n'),
    );
    const meta = describeDataset(parseSsb('v2/11118_metadata_no_jsonstat2.json'));
    expect(meta).toContain('Cells: 14 x 2 x 9 = 252 (metadata only: no values in this document)');
    expect(meta).toContain('\n  B1111  Norske jordbruksvarer\n');
  });
});
