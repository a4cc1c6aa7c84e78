import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkObservation, observationSchema, parseDatasetText, readDatasetHashed, serializeDataset, type Observation } from '../../pipeline/store/dataset.js';
import { DatasetError } from '../../pipeline/errors.js';
import { committedDataset } from '../support/dataset.js';

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

describe('readDatasetHashed', () => {
  test('gives the bytes and their sha256, for files of no, one and several 8 MiB pieces; a missing file is a DatasetError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ssb-hashed-'));
    try {
      for (const size of [0, 1000, 8 << 20, (20 << 20) + 3]) {
        const content = randomBytes(size);
        const file = join(dir, `d${size}.json`);
        await writeFile(file, content);
        const { bytes, sha256 } = await readDatasetHashed(file, createHash('sha256'));
        expect(bytes.equals(content), `size ${size}`).toBe(true);
        expect(sha256).toBe(createHash('sha256').update(content).digest('hex'));
      }
      await expect(readDatasetHashed(join(dir, 'missing.json'), createHash('sha256'))).rejects.toThrow(/missing\.json: cannot read the dataset \(ENOENT\)/);
      await expect(readDatasetHashed(join(dir, 'missing.json'), null)).rejects.toBeInstanceOf(DatasetError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
