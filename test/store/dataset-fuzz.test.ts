import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observationKey, observationSchema, parseDatasetText, serializeDataset, type Dataset } from '../../pipeline/store/dataset.js';
import { DatasetError } from '../../pipeline/errors.js';
import { buildObservations } from '../../pipeline/fetch.js';
import { parseJsonStatText } from '../../pipeline/statbank/jsonstat.js';
import { defaultDataDir } from '../../pipeline/io/paths.js';
import { defaultTablesPath, loadTablesConfig } from '../../pipeline/store/tables.js';
import { checkHistoryConsistency, readHistory } from '../../pipeline/update.js';
import { mutate, mulberry32 } from '../support/json-mutations.js';
import { statbankText } from '../support/statbank-fixtures.js';
import { fetchedDataDir } from '../support/table-versions.js';
import { startReplayServer } from '../support/replay-server.js';

/**
 * The dataset loader (parseDatasetText = JSON.parse + validateDataset) on seeded mutations of the committed
 * data/dataset.json and of a dataset holding the fetched synthetic table 10977. Contract: every outcome is a
 * valid Dataset or a DatasetError whose message names the file; never another exception type, never a hang;
 * and a Dataset it accepts holds only rows that observationSchema (the contract the fast row check stands in
 * for) accepts too.
 * The same for history.jsonl, read by readHistory (DatasetError) and checked by checkHistoryConsistency (never
 * throws). A failure names the seed and round; rerun with the same seed to reproduce.
 */

const SEED = 0xda7a_2026;
const file = 'fuzz/dataset.json';

const committed = readFileSync(join(defaultDataDir, 'dataset.json'), 'utf8');

/** The committed dataset plus every figure of the synthetic 10977 answer (a revision above any earlier one). */
async function fetchedDatasetText(): Promise<string> {
  const dataset = parseDatasetText(committed, 'data/dataset.json');
  const table = (await loadTablesConfig(defaultTablesPath)).tables[0]!;
  const fresh = buildObservations(parseJsonStatText(statbankText('10977_data.json'), { table: '10977' }), table, { updated: '2025-09-10T06:00:00Z' });
  const revisions = new Map(dataset.observations.map((o) => [observationKey(o), o.revision]));
  const next: Dataset = {
    ...dataset,
    tables: { '10977': { id: '10977', series: 'SN2007', label: table.label, updated: '2025-09-10T06:00:00Z', fetchedAt: '2025-09-11T07:00:00.000Z', notes: [] } },
    observations: [...dataset.observations, ...fresh.map((o) => ({ ...o, revision: (revisions.get(observationKey(o)) ?? -1) + 1 }))],
  };
  return serializeDataset(next);
}

interface Tally { valid: number; rejected: number; slowestMs: number; slowest: string }

/** Feed `rounds` mutations of `text` to `load`; collect anything that is not a pass or a DatasetError naming `file`. */
async function fuzz(text: string, rounds: number, seed: number, load: (mutant: string) => Promise<unknown> | unknown): Promise<Tally & { wrong: string[] }> {
  const random = mulberry32(seed);
  const tally = { valid: 0, rejected: 0, slowestMs: 0, slowest: '', wrong: [] as string[] };
  for (let round = 0; round < rounds; round++) {
    const { text: mutant, how } = mutate(text, random);
    const started = performance.now();
    try {
      await load(mutant);
      tally.valid++;
    } catch (error) {
      if (!(error instanceof DatasetError)) tally.wrong.push(`seed ${seed} round ${round} (${how}): ${(error as Error)?.constructor?.name}: ${String((error as Error)?.message ?? error).slice(0, 200)}`);
      else if (!error.message.includes(file) && !error.message.includes('history.jsonl')) tally.wrong.push(`seed ${seed} round ${round} (${how}): the message does not name the file: ${error.message.slice(0, 200)}`);
      else tally.rejected++;
    }
    const ms = performance.now() - started;
    if (ms > tally.slowestMs) Object.assign(tally, { slowestMs: ms, slowest: how });
  }
  return tally;
}

/** parseDatasetText, plus: every row it accepts passes observationSchema (else a plain Error, counted as wrong). */
function parseChecked(text: string): Dataset {
  const dataset = parseDatasetText(text, file);
  for (const [i, o] of dataset.observations.entries()) {
    const parsed = observationSchema.safeParse(o);
    if (!parsed.success) throw new Error(`row ${i + 1} was accepted but observationSchema rejects it (${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}): ${JSON.stringify(o).slice(0, 160)}`);
  }
  return dataset;
}

/** No single input may take unbounded time: a generous bound that only a hang or a blow-up can pass. */
const hangMs = 5_000;

describe('parseDatasetText on seeded mutations', () => {
  it('of the committed data/dataset.json: 3000 rounds, only DatasetError', async () => {
    const result = await fuzz(committed, 3000, SEED, parseChecked);
    console.log('committed dataset:', { valid: result.valid, rejected: result.rejected, slowestMs: Math.round(result.slowestMs), slowest: result.slowest });
    expect(result.wrong).toEqual([]);
    expect(result.rejected).toBeGreaterThan(2000); // the mutations do break it
    expect(result.slowestMs).toBeLessThan(hangMs);
  });

  it('of a dataset with the fetched table 10977: 800 rounds, only DatasetError', async () => {
    const text = await fetchedDatasetText();
    expect(parseDatasetText(text, file).observations.length).toBeGreaterThan(1000);
    const result = await fuzz(text, 800, SEED + 1, parseChecked);
    console.log('fetched dataset:', { valid: result.valid, rejected: result.rejected, slowestMs: Math.round(result.slowestMs), slowest: result.slowest });
    expect(result.wrong).toEqual([]);
    expect(result.rejected).toBeGreaterThan(400);
    expect(result.slowestMs).toBeLessThan(hangMs);
  });

  it('hand-picked hostile documents and rows: only DatasetError, and nothing the schema rejects gets in', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const doc = JSON.parse(committed) as { observations: unknown[][]; sources: string[] };
    const first = doc.observations[0]!;
    const firstLine = JSON.stringify(first);
    expect(committed).toContain(firstLine);
    /** The committed file with column `k` of its first row written as the raw JSON `raw`. */
    const withCell = (k: number, raw: string) => committed.replace(firstLine, `[${first.map((v, i) => (i === k ? raw : JSON.stringify(v))).join(',')}]`);
    const withSource = (url: string) => committed.replace(JSON.stringify(doc.sources[first[9] as number]), JSON.stringify(url));
    const documents = [
      '', ' ', '\uFEFF', 'null', '0', '"x"', '[]', '{}', deep, `{"format":"ssb-briefing/dataset@2","observations":${deep}}`,
      committed.replace('"observations": [', `"observations": [${deep},`),
      committed.replace('"tables": {}', '"tables": {"__proto__": {"id": 1}}'),
      committed.replace('"format"', '"__proto__": {"polluted": true}, "format"'),
      committed.replace(firstLine, JSON.stringify({ measure: 'wikis' })), // a row of the old format
      committed.replace(firstLine, `[${firstLine.slice(1, -1)},"note","extra"]`),
      withCell(1, '1e999'), withCell(1, '2013.5'), withCell(1, '"2013"'), withCell(4, '-0'), withCell(4, '1e-400'), withCell(4, '-1'),
      withCell(4, 'null'), withCell(5, '"*"'), withCell(0, '"__proto__"'), withCell(0, '"constructor"'), withCell(3, '""'),
      withCell(3, '"\\ud800"'), withCell(9, '-1'), withCell(9, '1.5'), withCell(9, '1e300'), withCell(9, '"0"'), withCell(9, '999'),
      withCell(10, '"2013-13-45"'), withCell(11, '-1'), withCell(11, '1e21'), withCell(8, '"1097"'), withCell(7, '"SN2026"'),
      withSource('http://['), withSource('http://exa mple.no'), withSource('javascript://x'), withSource('a://b'), withSource('http://'),
      withSource(`http://${'a'.repeat(100_000)}`),
      committed.slice(0, committed.length / 2),
    ];
    const wrong: string[] = [];
    for (const [i, text] of documents.entries()) {
      try {
        parseChecked(text);
      } catch (error) {
        if (!(error instanceof DatasetError)) wrong.push(`document ${i}: ${(error as Error).message}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('history.jsonl on seeded mutations', () => {
  let work: string;
  let history: string;
  beforeAll(async () => {
    const server = await startReplayServer();
    try {
      work = await mkdtemp(join(tmpdir(), 'dataset-fuzz-'));
      await fetchedDataDir(join(work, 'data'), server);
      history = readFileSync(join(work, 'data', 'history.jsonl'), 'utf8');
    } finally {
      await server.close();
    }
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('readHistory throws only DatasetError; checkHistoryConsistency never throws: 300 rounds', async () => {
    const dir = join(work, 'data');
    const result = await fuzz(history, 300, SEED + 2, async (mutant) => {
      await writeFile(join(dir, 'history.jsonl'), mutant);
      const problems = await checkHistoryConsistency(dir); // reports, never throws
      if (!Array.isArray(problems) || problems.some((p) => typeof p !== 'string')) throw new Error('checkHistoryConsistency returned no list of sentences');
      await readHistory(dir);
    });
    expect(result.wrong).toEqual([]);
    expect(result.rejected).toBeGreaterThan(100);
  });
});
