import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { currentObservations, observationKey, parseDatasetText, serializeDataset, type Observation } from '../../pipeline/store/dataset.js';
import { currentByIndex, indexDataset, readDatasetHeader } from '../../pipeline/store/dataset-index.js';
import { DatasetError } from '../../pipeline/errors.js';
import { defaultDataDir } from '../../pipeline/io/paths.js';
import { checkHistoryConsistency, updateDataset } from '../../pipeline/update.js';
import { mutate, mulberry32 } from '../support/json-mutations.js';

/**
 * indexDataset (the byte-by-byte reader a merge uses) against parseDatasetText (the contract): on any text,
 * both reject it with the same DatasetError, or both give the same header and the same current figure per key.
 */

const file = 'index/dataset.json';
const committed = readFileSync(join(defaultDataDir, 'dataset.json'), 'utf8');

type Outcome = { error: string } | { header: unknown; current: Map<string, Observation> };

function byParse(text: string): Outcome {
  try {
    const dataset = parseDatasetText(text, file);
    const { observations, ...header } = dataset;
    return { header, current: new Map(currentObservations({ observations }).map((o) => [observationKey(o), o])) };
  } catch (error) {
    if (error instanceof DatasetError) return { error: error.message };
    throw error;
  }
}

function byIndex(text: string): Outcome & { canonicalised?: boolean } {
  try {
    const index = indexDataset(Buffer.from(text), file);
    const { sources: _, ...header } = index.header;
    return { header, current: currentByIndex(index), canonicalised: index.canonicalised };
  } catch (error) {
    if (error instanceof DatasetError) return { error: error.message };
    throw error;
  }
}

/** The two readers' verdicts on `text` (as UTF-8 bytes, which is what both read from disk). */
function compare(text: string) {
  const decoded = Buffer.from(text).toString('utf8');
  const expected = byParse(decoded);
  const actual = byIndex(decoded);
  const { canonicalised, ...outcome } = actual;
  return { expected, actual: outcome, canonicalised };
}

/** A parsed document written back in the layout serializeDataset uses, rows unchecked: the fast path reads it. */
function inRowLayout(text: string): string | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { observations?: unknown }).observations)) return null;
  const { observations, ...rest } = doc as { observations: unknown[] };
  const head = JSON.stringify(rest, null, 2).replace(/\n}$/, '');
  return `${head},\n  "observations": [\n${observations.map((row) => '    ' + JSON.stringify(row)).join(',\n')}\n  ]\n}\n`;
}

describe('indexDataset', () => {
  it('reads the committed dataset byte by byte, to the same figures as parseDatasetText', () => {
    const { expected, actual, canonicalised } = compare(committed);
    expect('current' in expected && expected.current.size).toBeGreaterThan(20);
    expect(actual).toEqual(expected);
    expect(canonicalised).toBe(false);
  });

  it('agrees with parseDatasetText on 2,000 seeded mutations, half of them in the row layout', () => {
    const random = mulberry32(0x1de_2026);
    const disagreements: string[] = [];
    let fast = 0;
    let rejected = 0;
    for (let round = 0; round < 2000; round++) {
      const mutant = mutate(committed, random);
      const text = round % 2 === 0 ? mutant.text : inRowLayout(mutant.text) ?? mutant.text;
      const { expected, actual, canonicalised } = compare(text);
      if ('error' in expected) rejected++;
      if (canonicalised === false) fast++;
      try {
        expect(actual).toEqual(expected);
      } catch {
        disagreements.push(`round ${round} (${mutant.how}${round % 2 ? ', row layout' : ''}): parse ${JSON.stringify(expected).slice(0, 160)} / index ${JSON.stringify(actual).slice(0, 160)}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(rejected).toBeGreaterThan(600); // the mutations do break it...
    expect(fast).toBeGreaterThan(200); // ...and the fast path read many of the ones that survive
  });

  it('agrees on rows the fast path must leave to JSON.parse or reject', () => {
    const doc = JSON.parse(committed) as { observations: unknown[][] };
    const first = JSON.stringify(doc.observations[0]);
    const cell = (k: number, raw: string) => committed.replace(first, `[${doc.observations[0]!.map((v, i) => (i === k ? raw : JSON.stringify(v))).join(',')}]`);
    const texts = [
      cell(4, '12.50'), cell(4, '1e1'), cell(4, '-0'), cell(4, '0.1000000000000000055511'), cell(4, '00'), cell(4, '1.'), cell(4, '.5'),
      cell(1, '2013.0'), cell(1, '2.013e3'), cell(11, '1e0'), cell(11, '9007199254740993'), cell(9, '0.0'),
      cell(3, '"Total\\u002BK"'), cell(3, '"T\\"otal"'), cell(3, '"Næringar"'), cell(3, '"\\ud800"'), cell(0, '"any_\\u0073ocial_media"'),
      committed.replace(first, `${first.slice(0, -1)},"a note with \\"quotes\\" and ø"]`),
      committed.replace(first, `${first.slice(0, -1)},"plain note"]`),
      committed.replace(first, `[ ${first.slice(1, -1).replaceAll(',', ', ')} ]`),
      committed.replace(first, `${first},\n    ${first}`), // a duplicate row
      '\uFEFF' + committed,
      committed.replaceAll('\n', '\r\n'),
      JSON.stringify(JSON.parse(committed), null, 2),
      JSON.stringify(JSON.parse(committed)),
      committed.replace(/\n {4}/g, '\n  '),
      committed.replace('\n  ]\n}\n', '\n  ]\n}'),
      committed.replace('\n  ]\n}\n', '\n  ]\n}\n\n'),
      inRowLayout(JSON.stringify({ ...JSON.parse(committed), observations: [] }))!,
      inRowLayout(JSON.stringify({ ...JSON.parse(committed), observations: [...doc.observations].reverse() }))!, // revisions out of order
    ];
    for (const [i, text] of texts.entries()) {
      const { expected, actual } = compare(text);
      expect(actual, `text ${i}`).toEqual(expected);
    }
    // The usual odd rows are read in place or by JSON.parse, without the general way.
    expect(compare(cell(4, '12.50')).canonicalised).toBe(false);
    expect(compare(cell(3, '"T\\"otal"')).canonicalised).toBe(false);
    expect(compare(JSON.stringify(JSON.parse(committed), null, 2)).canonicalised).toBe(true);
  });
});

describe('readDatasetHeader', () => {
  it('reads the tables state without the rows, in the row layout or any other', () => {
    const { observations: _, ...expected } = parseDatasetText(committed, file);
    expect(readDatasetHeader(Buffer.from(committed), file)).toMatchObject(expected);
    expect(readDatasetHeader(Buffer.from(JSON.stringify(JSON.parse(committed), null, 2)), file)).toMatchObject(expected);
    expect(() => readDatasetHeader(Buffer.from(committed.replace('"ssb-briefing/dataset@2"', '"ssb-briefing/dataset@9"')), file)).toThrow(DatasetError);
    const withBom = readDatasetHeader(Buffer.from('\uFEFF' + committed), file); // another layout: read whole
    expect(withBom.sources).toEqual((JSON.parse(committed) as { sources: string[] }).sources);
  });
});

describe('updateDataset on the index', () => {
  const temps: string[] = [];
  afterAll(async () => {
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });
  const table = { id: '10977', series: 'SN2007', label: 'Bruk av sosiale medium', updated: '2025-08-20T06:00:00Z' } as const;
  const fig = (measure: string, year: number, value: number | null, note?: string): Observation => ({
    measure, year, sizeClass: '00', industry: 'Total+K', value, status: value === null ? '..' : null, unit: 'percent', series: 'SN2007',
    table: '10977', source: 'https://data.ssb.no/api/pxwebapi/v2/tables/10977/data', published: '2025-08-20', revision: 0, ...(note ? { note } : {}),
  });

  it('writes the old rows back byte for byte, appends its rows sorted, and reads back as the merged dataset', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ssb-index-'));
    temps.push(dataDir);
    await copyFile(join(defaultDataDir, 'dataset.json'), join(dataDir, 'dataset.json'));
    const before = await readFile(join(dataDir, 'dataset.json'), 'utf8');
    const rowsBefore = before.slice(before.indexOf('"observations": [\n') + 18, before.lastIndexOf('\n  ]'));
    const fresh = [fig('wikis', 2024, 6), fig('social_networks', 2024, 80, 'a "quoted" note, ø'), fig('social_networks', 2019, 77)];
    const result = await updateDataset({ dataDir, table, observations: fresh, raw: [], now: new Date('2026-01-05T07:00:00Z') });
    expect(result.counts).toEqual({ added: 2, revised: 1, withdrawn: 0 });

    const after = await readFile(join(dataDir, 'dataset.json'), 'utf8');
    expect(after).toContain(rowsBefore + ',\n'); // untouched, in place
    const appended = after.slice(after.indexOf(rowsBefore) + rowsBefore.length + 2, after.lastIndexOf('\n  ]')).split(',\n');
    expect(appended.map((line) => (JSON.parse(line) as unknown[]).slice(0, 2))).toEqual([['social_networks', 2019], ['social_networks', 2024], ['wikis', 2024]]);
    // What it wrote is what the merge means: the old dataset plus the new rows, read back by the contract.
    const merged = parseDatasetText(after, 'after');
    const expected = parseDatasetText(before, 'before');
    const sorted = (rows: Observation[]) => serializeDataset({ ...merged, observations: rows });
    expect(sorted(merged.observations)).toBe(sorted([...expected.observations, ...result.added, ...result.revised.map((r) => r.after)]));
    expect(merged.tables['10977']!.updated).toBe(table.updated);
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
    // History lines are written as text, not by JSON.stringify: they must read as JSON.stringify would write them.
    const lines = (await readFile(join(dataDir, 'history.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toBe(JSON.stringify(JSON.parse(line)));
    expect(JSON.parse(lines[2]!)).toMatchObject({ kind: 'revised', key: 'SN2007|social_networks|2019|00|Total+K', before: { value: 76, status: null }, after: { value: 77, status: null } });
  });

  it('refuses, before writing, a fetched source the file could not list, and a revision past the largest safe one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ssb-index-'));
    temps.push(dataDir);
    await copyFile(join(defaultDataDir, 'dataset.json'), join(dataDir, 'dataset.json'));
    const before = await readFile(join(dataDir, 'dataset.json'), 'utf8');
    const update = (observations: Observation[]) => updateDataset({ dataDir, table, observations, raw: [], now: new Date('2026-01-05T07:00:00Z') });
    for (const source of ['mailto:stat@ssb.no', ' https://data.ssb.no/x', 'https://data.ssb.no/a b']) {
      await expect(update([{ ...fig('wikis', 2024, 6), source }])).rejects.toThrow(/observation 1: source: a URL/);
    }
    const doc = JSON.parse(before) as { observations: unknown[][] };
    const wikis2019 = doc.observations.findIndex((row) => row[0] === 'wikis' && row[1] === 2019 && row[2] === '00' && row[3] === 'Total+K');
    doc.observations[wikis2019]![11] = Number.MAX_SAFE_INTEGER;
    const huge = serializeDataset(parseDatasetText(JSON.stringify(doc), 'huge'));
    await writeFile(join(dataDir, 'dataset.json'), huge);
    await expect(update([fig('wikis', 2019, 99)])).rejects.toThrow(/has revision 9007199254740991, the highest a revision can be; dataset left unchanged/);
    expect(await readFile(join(dataDir, 'dataset.json'), 'utf8')).toBe(huge);
  });

  it('takes a dataset in another layout (pretty-printed by hand) and writes it back in the row layout', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ssb-index-'));
    temps.push(dataDir);
    await writeFile(join(dataDir, 'dataset.json'), JSON.stringify(JSON.parse(committed), null, 2));
    const result = await updateDataset({ dataDir, table, observations: [fig('wikis', 2024, 6)], raw: [], now: new Date('2026-01-05T07:00:00Z') });
    expect(result.counts).toEqual({ added: 1, revised: 0, withdrawn: 0 });
    const after = await readFile(join(dataDir, 'dataset.json'));
    expect(indexDataset(after, 'after').canonicalised).toBe(false);
    expect(parseDatasetText(after.toString('utf8'), 'after').observations).toHaveLength(parseDatasetText(committed, 'c').observations.length + 1);
    expect(await checkHistoryConsistency(dataDir)).toEqual([]);
  });
});
