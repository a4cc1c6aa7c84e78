import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FetchError } from '../../pipeline/errors.js';
import { projectRoot } from '../../pipeline/io/paths.js';
import { createStatbankClient, v1MetadataToJsonStat } from '../../pipeline/statbank/client.js';
import { parseJsonStat, type JsonStatDataset } from '../../pipeline/statbank/jsonstat.js';
import { industryClassification, measures, readShape, type TableShape } from '../../pipeline/statbank/shape.js';
import { startStandin, type Standin, type StandinShape } from '../support/standin.js';
import { statbankText } from '../support/statbank-fixtures.js';

/**
 * readShape on the real table 13265 (its v1 metadata converted, and its JSON-stat data), on the synthetic 10977 and
 * 14933 fixtures, on every shape of the stand-in as the client fetches it, and on made-up documents for each rule.
 */

const real = (name: string) => JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/ssb/v0', name), 'utf8'));
const roles = (shape: TableShape) => Object.fromEntries(shape.dims.map((d) => [d.id, d.role]));

/** A small JSON-stat metadata document: `dims` as [id, label, codes] in order, `role` as JSON-stat's. */
function doc(dims: [string, string, string[]][], role: Record<string, string[]> = {}): JsonStatDataset {
  return parseJsonStat(
    {
      version: '2.0',
      class: 'dataset',
      label: 'x',
      role,
      id: dims.map((d) => d[0]),
      size: dims.map((d) => d[2].length),
      value: [],
      dimension: Object.fromEntries(
        dims.map(([id, label, codes]) => [
          id,
          {
            label,
            category: { index: codes, label: Object.fromEntries(codes.map((c) => [c, `${label} ${c}`])) },
          },
        ]),
      ),
    },
    { table: 'X' },
  );
}

describe('the real table 13265', () => {
  it('v1 metadata (converted to JSON-stat): time Tid, size SyssGrpIKT, industry NACE2007 (SN2007), measure ContentsCode', () => {
    const shape = readShape(parseJsonStat(v1MetadataToJsonStat(real('13265_v0_metadata.json')), { table: '13265' }));
    expect(shape).toMatchObject({
      time: 'Tid',
      size: 'SyssGrpIKT',
      industry: 'NACE2007',
      classification: 'SN2007',
      measureDims: ['ContentsCode'],
      metric: 'ContentsCode',
    });
    expect(roles(shape)).toEqual({ SyssGrpIKT: 'size', NACE2007: 'industry', ContentsCode: 'measure', Tid: 'time' });
    expect(shape.dims.find((d) => d.id === 'NACE2007')!.codes.slice(0, 2)).toEqual([
      { code: 'Total+K', label: 'Alle næringer, inkludert finansnæringene' },
      { code: 'Total-K', label: 'Alle næringer, uten finansnæringene' },
    ]);
    const all = measures(shape);
    expect(all).toHaveLength(9);
    expect(all.at(-1)).toEqual({ codes: { ContentsCode: 'BrukarKunstigIntelli' }, label: 'Brukar ein eller fleire kunstig intelligens teknologiar' });
  });

  it('JSON-stat data answer: the same roles from role.time and role.metric; measures of the codes it holds', () => {
    const shape = readShape(parseJsonStat(real('13265_v0_data_jsonstat2.json')));
    expect(roles(shape)).toEqual({ SyssGrpIKT: 'size', NACE2007: 'industry', ContentsCode: 'measure', Tid: 'time' });
    expect(measures(shape).map((m) => m.codes.ContentsCode)).toEqual(['TekstAnalyse', 'GenSkriftTale', 'AutoArbFlyt', 'BrukarKunstigIntelli']);
  });
});

describe('the synthetic fixtures', () => {
  it('10977 (SN2007) and 14933 (NACE2025, SN2025)', () => {
    const a = readShape(parseJsonStat(JSON.parse(statbankText('10977_metadata.json'))));
    expect(a).toMatchObject({ industry: 'NACE2007', classification: 'SN2007', measureDims: ['ContentsCode'] });
    expect(measures(a)).toHaveLength(12);
    const b = readShape(parseJsonStat(JSON.parse(statbankText('14933_metadata.json'))));
    expect(b).toMatchObject({ size: 'SyssGrpIKT', industry: 'NACE2025', classification: 'SN2025' });
  });
});

describe('every stand-in shape, as the client fetches it', () => {
  const standins = new Map<string, Standin>();
  const meta = async (shapes: StandinShape[], id: string, lang: 'no' | 'en' = 'no') => {
    const key = shapes.join(',');
    if (!standins.has(key)) standins.set(key, await startStandin({ shapes }));
    const res = await createStatbankClient({ baseUrl: standins.get(key)!.v2Url }).metadata(id, lang);
    return readShape(parseJsonStat(res.body, { table: id, origin: res.url }));
  };
  afterAll(async () => {
    for (const s of standins.values()) await s.close();
  });

  it('typesAsContents: the types are ContentsCode values', async () => {
    const shape = await meta(['typesAsContents'], '10977');
    expect(roles(shape)).toEqual({ SyssGrpIKT: 'size', NACE2007: 'industry', ContentsCode: 'measure', Tid: 'time' });
    expect(measures(shape).map((m) => m.label)).toEqual([
      'Nyttar sosiale medium',
      'Nettsamfunn (t.d. Facebook, Linkedin)',
      'Føretaksblogg eller mikroblogg (t.d. Twitter)',
      'Nettstader for deling av multimedieinnhald (t.d. YouTube)',
      'Digitale dugnadsarenaer (t.d. wikiar)',
    ]);
  });

  it('typesAsDimension: SosMedType and a one-code ContentsCode are both measure dimensions; the types name the measures', async () => {
    const shape = await meta(['typesAsDimension'], '10977');
    expect(shape.measureDims).toEqual(['SosMedType', 'ContentsCode']);
    expect(shape.metric).toBe('ContentsCode');
    const all = measures(shape);
    expect(all).toHaveLength(5);
    expect(all[1]).toEqual({ codes: { SosMedType: 'Nettsamfunn', ContentsCode: 'Foretak' }, label: 'Nettsamfunn (t.d. Facebook, Linkedin)' });
    const en = measures(await meta(['typesAsDimension'], '10977', 'en'));
    expect(en[1]!.label).toBe('Social networks (e.g. Facebook, LinkedIn)');
  });

  it('industryFirst: the order of id does not change the roles', async () => {
    const shape = await meta(['industryFirst'], '10977');
    expect(shape.dims.map((d) => d.id)).toEqual(['NACE2007', 'SyssGrpIKT', 'ContentsCode', 'Tid']);
    expect(shape).toMatchObject({ size: 'SyssGrpIKT', industry: 'NACE2007', classification: 'SN2007' });
  });

  it('unguessedIndustryCode: Naering is the industry by its label, classification from the label', async () => {
    const shape = await meta(['unguessedIndustryCode', 'typesAsDimension'], '10977');
    expect(shape).toMatchObject({ industry: 'Naering', classification: 'SN2007', measureDims: ['SosMedType', 'ContentsCode'] });
    const sn2025 = await meta(['unguessedIndustryCode'], '14933');
    expect(sn2025).toMatchObject({ industry: 'Naering', classification: 'SN2025' });
    expect(sn2025.dims.map((d) => d.id)).toEqual(['Naering', 'SyssGrpIKT', 'ContentsCode', 'Tid']);
  });

  it('extraMeasure: a sixth measure, paid advertising', async () => {
    const labels = measures(await meta(['extraMeasure'], '10977')).map((m) => m.label);
    expect(labels).toHaveLength(6);
    expect(labels.at(-1)).toBe('Betalt annonsering på sosiale medium');
  });

  it('14933: SN2025 under NACE2025, industry first, home page with the social media; in English too', async () => {
    const shape = await meta(['typesAsContents'], '14933');
    expect(shape).toMatchObject({ time: 'Tid', size: 'SyssGrpIKT', industry: 'NACE2025', classification: 'SN2025', measureDims: ['ContentsCode'] });
    expect(measures(shape)[0]!.label).toBe('Har heimeside');
    const en = await meta(['typesAsContents'], '14933', 'en');
    expect(en).toMatchObject({ size: 'SyssGrpIKT', industry: 'NACE2025', classification: 'SN2025' });
    expect(measures(en)[0]!.label).toBe('Has a website');
  });

  it('10978: seven purposes', async () => {
    expect(measures(await meta(['typesAsContents'], '10978'))).toHaveLength(7);
  });
});

describe('the rules one by one', () => {
  it('time from role.time first, then the id Tid, then the label', () => {
    expect(
      readShape(
        doc(
          [
            ['Aar', 'period', ['2025']],
            ['Tid', 'x', ['a']],
          ],
          { time: ['Aar'] },
        ),
      ).time,
    ).toBe('Aar');
    expect(
      readShape(
        doc([
          ['Aar', 'år', ['2025']],
          ['Tid', 'x', ['a']],
        ]),
      ).time,
    ).toBe('Tid');
    expect(
      readShape(
        doc([
          ['C', 'c', ['a']],
          ['Aar', 'år', ['2025']],
        ]),
      ).time,
    ).toBe('Aar');
    expect(readShape(doc([['Year', ' Year ', ['2025']]])).time).toBe('Year');
  });

  it('size and industry by label when the codes say nothing; the metric is never either', () => {
    const shape = readShape(
      doc(
        [
          ['ContentsCode', 'number employed in industry', ['a']],
          ['Storleik', 'employment size', ['00', '05']],
          ['Bransje', 'industry (SIC2007)', ['Total']],
          ['Tema', 'tema', ['x', 'y']],
          ['Aar', 'year', ['2025']],
        ],
        { metric: ['ContentsCode'] },
      ),
    );
    expect(roles(shape)).toEqual({ ContentsCode: 'measure', Storleik: 'size', Bransje: 'industry', Tema: 'measure', Aar: 'time' });
    expect(shape.classification).toBe('SN2007');
    expect(shape.measureDims).toEqual(['ContentsCode', 'Tema']);
  });

  it('a second dimension that would fit a taken role is a measure', () => {
    const shape = readShape(
      doc([
        ['NACE2007', 'næring (SN2007)', ['a']],
        ['NACE2025', 'næring (SN2025)', ['b']],
        ['Tid', 'år', ['2025']],
      ]),
    );
    expect(roles(shape)).toEqual({ NACE2007: 'industry', NACE2025: 'measure', Tid: 'time' });
  });

  it('classification: SN, SIC or NACE with 2007 or 2025 in the code or label; else null', () => {
    expect(industryClassification({ id: 'NACE2007', label: 'x' })).toBe('SN2007');
    expect(industryClassification({ id: 'Naering', label: 'næring (SN2025)' })).toBe('SN2025');
    expect(industryClassification({ id: 'Naering', label: 'industry (SIC 2007)' })).toBe('SN2007');
    expect(industryClassification({ id: 'Naering', label: 'næring (SN2002)' })).toBeNull();
    expect(
      readShape(
        doc([
          ['Naering', 'næring', ['a']],
          ['Tid', 'år', ['2025']],
        ]),
      ).classification,
    ).toBeNull();
  });

  it('measures: the varying dimensions name a combination; with one code each, the metric does', () => {
    const two = readShape(
      doc(
        [
          ['Type', 'type', ['a', 'b']],
          ['ContentsCode', 'c', ['p', 'q']],
          ['Tid', 'år', ['2025']],
        ],
        { metric: ['ContentsCode'] },
      ),
    );
    expect(measures(two)).toEqual([
      { codes: { Type: 'a', ContentsCode: 'p' }, label: 'type a – c p' },
      { codes: { Type: 'a', ContentsCode: 'q' }, label: 'type a – c q' },
      { codes: { Type: 'b', ContentsCode: 'p' }, label: 'type b – c p' },
      { codes: { Type: 'b', ContentsCode: 'q' }, label: 'type b – c q' },
    ]);
    const single = readShape(
      doc(
        [
          ['Type', 'type', ['a']],
          ['ContentsCode', 'c', ['p']],
          ['Tid', 'år', ['2025']],
        ],
        { metric: ['ContentsCode'] },
      ),
    );
    expect(measures(single)).toEqual([{ codes: { Type: 'a', ContentsCode: 'p' }, label: 'c p' }]);
    expect(measures(readShape(doc([['Tid', 'år', ['2025']]])))).toEqual([]);
  });

  it('no time dimension: a FetchError (malformed) that names the table and its dimensions', () => {
    let error: unknown;
    try {
      readShape(
        doc([
          ['SyssGrpIKT', 'sysselsette', ['00']],
          ['ContentsCode', 'statistikkvariabel', ['a']],
        ]),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).context).toMatchObject({ table: 'X', reason: 'malformed' });
    expect((error as FetchError).message).toMatch(
      /^Table X has no time dimension .* its dimensions are SyssGrpIKT "sysselsette", ContentsCode "statistikkvariabel"\)/,
    );
  });
});
