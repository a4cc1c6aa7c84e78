import { describe, expect, test } from 'vitest';
import { checkObservation, observationSchema, parseDatasetText, serializeDataset, type Observation } from '../pipeline/dataset.js';
import { DatasetError } from '../pipeline/errors.js';
import { committedDataset } from './support/dataset.js';

describe('the dataset file', () => {
  test('serialising and parsing give back the same dataset, one observation per line', () => {
    const dataset = committedDataset();
    const text = serializeDataset(dataset);
    const again = parseDatasetText(text, 'dataset.json');
    expect(again.observations).toHaveLength(dataset.observations.length);
    expect(serializeDataset(again)).toBe(text);
    const lines = text.split('\n').filter((l) => l.startsWith('    ["'));
    expect(lines).toHaveLength(dataset.observations.length);
  });

  test('a row that is not an array of the columns is named', () => {
    const text = serializeDataset(committedDataset()).replace(/\n {4}\["any_social_media",2013,"05"[^\n]*\]/, '\n    {"measure":"x"}');
    expect(() => parseDatasetText(text, 'd.json')).toThrow(/^d\.json: row 2: expected an array of 12 or 13 values/);
  });

  test('a source index out of range is an error on the source field', () => {
    const text = serializeDataset(committedDataset()).replace('"Total+K",60,null,"percent","SN2007",null,0,', '"Total+K",60,null,"percent","SN2007",null,99,');
    expect(() => parseDatasetText(text, 'd.json')).toThrow(DatasetError);
    expect(() => parseDatasetText(text, 'd.json')).toThrow(/row 2, field "source"/);
  });
});

describe('the fast row check agrees with observationSchema', () => {
  const base: Observation = committedDataset().observations[0]!;
  const mutations: [string, Record<string, unknown>][] = [
    ['valid', {}],
    ['negative value', { value: -1 }],
    ['string value', { value: '50' }],
    ['NaN value', { value: Number.NaN }],
    ['null value without status', { value: null, status: null }],
    ['null value with provisional', { value: null, status: '*' }],
    ['null value with ..', { value: null, status: '..' }],
    ['unknown status', { status: '?' }],
    ['year as text', { year: '2013' }],
    ['year too early', { year: 1900 }],
    ['fractional year', { year: 2013.5 }],
    ['size class one digit', { sizeClass: '5' }],
    ['empty industry', { industry: '' }],
    ['measure with capitals', { measure: 'Social' }],
    ['other unit', { unit: 'count' }],
    ['other series', { series: 'SN2002' }],
    ['table of four digits', { table: '1097' }],
    ['source not a URL', { source: 'ssb.no' }],
    ['published not a date', { published: 'yesterday' }],
    ['negative revision', { revision: -1 }],
    ['note as number', { note: 5 }],
    ['value zero', { value: 0 }],
    ['value with decimals', { value: 12.5 }],
  ];
  test.each(mutations)('%s', (_, change) => {
    const row = { ...base, ...change };
    expect(checkObservation(row) === null).toBe(observationSchema.safeParse(row).success);
  });
});
