/**
 * Scale benchmarks, each run in its own process by test/bench/bench.ts so its peak memory is its own:
 *   node dist/test/bench/bench-scale.js parse   a JSON-stat response of 800,000 cells (StatBank's per-request maximum)
 *   node dist/test/bench/bench-scale.js merge   load, merge a 10 % revision batch and write 100,000 observations
 *                                               (dataset.json in the new store's format: a table's rows with every code)
 * The inputs are generated here (in a temp folder), never committed. Prints one JSON line.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset, Definition, TableState } from '../../pipeline/briefing/model.js';
import type { FetchedRow, FetchedTable } from '../../pipeline/fetch.js';
import { observations, parseJsonStatText } from '../../pipeline/statbank/jsonstat.js';
import { datasetFile, observationId, parseDataset, readDatasetText, serializeDataset } from '../../pipeline/store/dataset.js';
import { updateDataset } from '../../pipeline/update.js';

/** A JSON-stat 2.0 dataset of `cells` cells in SSB's shape: sizes x industries x contents x years; 2 % nulls with status. */
function jsonStatText(cells: number): string {
  const sizes = ['00', '02', '03', '04', '05'];
  const industries = Array.from({ length: 40 }, (_, i) => `I${i}`);
  const contents = Array.from({ length: 100 }, (_, i) => `C${i}`);
  const years = Array.from({ length: cells / (sizes.length * industries.length * contents.length) }, (_, i) => String(1990 + i));
  const category = (codes: string[]) => ({
    index: Object.fromEntries(codes.map((c, i) => [c, i])),
    label: Object.fromEntries(codes.map((c) => [c, `label ${c}`])),
  });
  const value: (number | null)[] = new Array(cells);
  const status: Record<string, string> = {};
  for (let i = 0; i < cells; i++) {
    if (i % 50 === 7) {
      value[i] = null;
      status[String(i)] = '..';
    } else value[i] = ((i * 7919) % 1000) / 10;
  }
  return JSON.stringify({
    version: '2.0',
    class: 'dataset',
    label: 'bench',
    updated: '2025-09-10T06:00:00Z',
    id: ['SyssGrpIKT', 'NACE2007', 'ContentsCode', 'Tid'],
    size: [sizes.length, industries.length, contents.length, years.length],
    dimension: {
      SyssGrpIKT: { category: category(sizes) },
      NACE2007: { category: category(industries) },
      ContentsCode: { category: category(contents) },
      Tid: { category: category(years) },
    },
    role: { time: ['Tid'], metric: ['ContentsCode'] },
    value,
    status,
  });
}

/** Start the clock on a clean heap (bench.ts runs this with --expose-gc): the setup's garbage is not the figure's. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function parse(): Promise<Record<string, number>> {
  const text = jsonStatText(800_000);
  collectGarbage();
  const started = performance.now();
  const ds = parseJsonStatText(text, { table: 'bench', origin: 'bench' });
  let count = 0;
  for (const _ of observations(ds)) count++;
  const ms = performance.now() - started;
  if (count !== 800_000) throw new Error(`parsed ${count} cells, expected 800000`);
  return { ms, cells: count };
}

// The merge's table: 5 size classes × 40 industries × 100 measures × 5 years = 100,000 cells, in SSB's shape.
const mergeTable = '99999';
const sizes = ['00', '02', '03', '04', '05'];
const industryCodes = ['Total+K', 'Total-K', ...Array.from({ length: 38 }, (_, i) => `I${String(i).padStart(2, '0')}`)];
const contents = Array.from({ length: 100 }, (_, i) => `C${String(i).padStart(2, '0')}`);
const periods = ['2021', '2022', '2023', '2024', '2025'];
const category = (code: string) => ({ code, label: { no: `etikett ${code}`, en: `label ${code}` } });

/** A definition that names every measure of the table by its recorded code, as one does after the first fetch. */
function mergeDefinition(): Definition {
  const words = {
    title: 'Benk',
    kicker: 'Benk',
    topic: 'benk',
    definition: 'Benk.',
    coverage: 'Benk.',
    population: 'føretaka',
    users: 'brukarane',
    types: 'typar',
    purposes: 'føremål',
  };
  return {
    format: 'ssb-briefing/definition@1',
    statistic: { id: 'bench', name: { no: 'Benk' }, url: { no: 'https://www.ssb.no/', en: 'https://www.ssb.no/en/' }, referenceMonth: 1 },
    words: { nn: words, nb: words, en: words },
    tables: [{ id: mergeTable, label: 'Benk' }],
    measures: contents.map((code) => {
      const w = { label: code, object: code };
      return {
        id: `m_${code.toLowerCase()}`,
        tables: [mergeTable],
        codes: { [mergeTable]: { ContentsCode: code } },
        base: 'all' as const,
        words: { nn: w, nb: w, en: w },
      };
    }),
    story: { headline: ['m_c00'], types: [], purposes: [], policy: null, totals: ['Total+K', 'Total-K'], allSizes: '00' },
  };
}

function mergeTableState(updated: string): TableState {
  return {
    id: mergeTable,
    label: { no: `${mergeTable}: benk` },
    updated,
    fetchedAt: updated,
    classification: 'SN2007',
    notes: [],
    discontinued: false,
    dimensions: [
      { id: 'SyssGrpIKT', role: 'size', label: { no: 'sysselsette' }, categories: sizes.map(category) },
      { id: 'NACE2007', role: 'industry', label: { no: 'næring (SN2007)' }, categories: industryCodes.map(category) },
      { id: 'ContentsCode', role: 'measure', label: { no: 'statistikkvariabel' }, categories: contents.map(category) },
      { id: 'Tid', role: 'time', label: { no: 'år' }, categories: periods.map(category) },
    ],
  };
}

/** Cell `i` of the table as the fetch hands it to the merge: every code kept, in the table's dimension order. */
function cell(i: number, value: number, published: string): FetchedRow {
  const period = periods[i % 5]!;
  const code = contents[Math.floor(i / 5) % 100]!;
  const industry = industryCodes[Math.floor(i / 500) % 40]!;
  const size = sizes[Math.floor(i / 20_000) % 5]!;
  return {
    table: mergeTable,
    article: null,
    period,
    year: Number(period),
    measure: `m_${code.toLowerCase()}`,
    size,
    industry,
    classification: 'SN2007',
    codes: { SyssGrpIKT: size, NACE2007: industry, ContentsCode: code, Tid: period },
    value,
    status: null,
    bound: null,
    published,
    note: null,
  };
}

/**
 * The merge figure, on the store as a run uses it: load data/<briefing>/dataset.json (read and parseDataset: every row
 * checked against the table's codes and the definition), merge a fetch of the whole table in which one cell in ten is
 * revised (update.ts: mergeFetched), and write it (store/commit.ts: history, dataset, raw, each replaced whole with
 * fsync). The dataset of `n` observations is written first with serializeDataset, in a temp folder. Timed from a clean
 * heap; returns ms and counts, after checking what was written.
 */
export async function benchMerge(n = 100_000): Promise<Record<string, number>> {
  if (n % 10 !== 0 || n > 100_000) throw new Error(`n must be a multiple of 10 up to the table's 100,000 cells (got ${n})`);
  const dir = await mkdtemp(join(tmpdir(), 'bench-merge-'));
  try {
    const definition = mergeDefinition();
    const value = (i: number) => (i % 1000) / 10;
    {
      const dataset: Dataset = {
        format: 'ssb-briefing/dataset@3',
        title: 'bench',
        provenance: { builtFrom: 'bench-scale.ts', licence: 'CC BY 4.0' },
        tables: { [mergeTable]: mergeTableState('2025-01-01T06:00:00Z') },
        articles: [],
        codelists: {},
        findings: [],
        observations: Array.from({ length: n }, (_, i) => {
          const o = { ...cell(i, value(i), '2025-01-01'), id: '', revision: 0 };
          o.id = observationId(o);
          return o;
        }),
      };
      await writeFile(join(dir, datasetFile), serializeDataset(dataset));
    }
    // The fetch answers with every figure of the table; one in ten is revised. (The rows written above are garbage by
    // now, as they would be in a run: the dataset is on disk, the fetch is in memory.)
    const fetched: FetchedTable = {
      id: mergeTable,
      state: mergeTableState('2025-09-10T06:00:00Z'),
      resolved: {},
      rows: Array.from({ length: n }, (_, i) => cell(i, value(i) + (i % 10 === 0 ? 0.5 : 0), '2025-09-10')),
      raw: [{ name: 'data-no.json', text: '{"class":"dataset"}' }],
    };
    collectGarbage();
    const started = performance.now();
    const datasetText = await readDatasetText(dir);
    const dataset = parseDataset(datasetText, join(dir, datasetFile), definition);
    const loaded = performance.now();
    const result = await updateDataset({ dataDir: dir, definition, dataset, datasetText, fetched: [fetched], now: new Date('2025-09-10T07:00:00Z') });
    const ms = performance.now() - started;
    const loadMs = loaded - started;
    // What was written is what a run would read next.
    const written = parseDataset(await readDatasetText(dir), join(dir, datasetFile), definition);
    const revised = result.tables[0]?.revised ?? 0;
    if (!result.changed || revised !== n / 10) throw new Error(`revised ${revised}, expected ${n / 10}`);
    if (written.observations.length !== n + n / 10) throw new Error(`the dataset written has ${written.observations.length} rows, expected ${n + n / 10}`);
    const history = (await readFile(join(dir, 'history.jsonl'), 'utf8')).trim().split('\n');
    if (history.length !== n / 10 + 1) throw new Error(`history.jsonl has ${history.length} lines, expected ${n / 10 + 1}`);
    // The figure, and its two halves: reading and checking the file, then merging and writing.
    return { ms, loadMs, mergeWriteMs: ms - loadMs, observations: n, revised, bytes: Buffer.byteLength(result.datasetText) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const mode = process.argv[2];
const run = mode === 'parse' ? parse : mode === 'merge' ? () => benchMerge() : null;
if (process.argv[1]?.endsWith('bench-scale.js') && !run) {
  console.error('usage: bench-scale.js parse|merge');
  process.exitCode = 2;
} else if (run) {
  run().then(
    (figures) => {
      console.log(JSON.stringify({ mode, ...figures, peakMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
    },
    (error) => {
      console.error(`bench-scale ${mode} failed: ${error instanceof Error ? error.message : error}`);
      process.exitCode = 1;
    },
  );
}
