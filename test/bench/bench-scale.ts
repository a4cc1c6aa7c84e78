/**
 * Scale benchmarks, each run in its own process by test/bench/bench.ts so its peak memory is its own:
 *   node dist/test/bench/bench-scale.js parse   a JSON-stat response of 800,000 cells (StatBank's per-request maximum)
 *   node dist/test/bench/bench-scale.js merge   load, merge a 10 % revision batch and write 100,000 observations
 * The inputs are generated here (in a temp folder), never committed. Prints one JSON line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeDataset, type Dataset, type Observation } from '../../pipeline/store/dataset.js';
import { observations, parseJsonStatText } from '../../pipeline/statbank/jsonstat.js';
import { updateDataset } from '../../pipeline/update.js';

/** A JSON-stat 2.0 dataset of `cells` cells in SSB's shape: sizes x industries x contents x years; 2 % nulls with status. */
function jsonStatText(cells: number): string {
  const sizes = ['00', '02', '03', '04', '05'];
  const industries = Array.from({ length: 40 }, (_, i) => `I${i}`);
  const contents = Array.from({ length: 100 }, (_, i) => `C${i}`);
  const years = Array.from({ length: cells / (sizes.length * industries.length * contents.length) }, (_, i) => String(1990 + i));
  const category = (codes: string[]) => ({ index: Object.fromEntries(codes.map((c, i) => [c, i])), label: Object.fromEntries(codes.map((c) => [c, `label ${c}`])) });
  const value: (number | null)[] = new Array(cells);
  const status: Record<string, string> = {};
  for (let i = 0; i < cells; i++) {
    if (i % 50 === 7) {
      value[i] = null;
      status[String(i)] = '..';
    } else value[i] = (i * 7919) % 1000 / 10;
  }
  return JSON.stringify({
    version: '2.0', class: 'dataset', label: 'bench', updated: '2025-09-10T06:00:00Z',
    id: ['SyssGrpIKT', 'NACE2007', 'ContentsCode', 'Tid'], size: [sizes.length, industries.length, contents.length, years.length],
    dimension: { SyssGrpIKT: { category: category(sizes) }, NACE2007: { category: category(industries) }, ContentsCode: { category: category(contents) }, Tid: { category: category(years) } },
    role: { time: ['Tid'], metric: ['ContentsCode'] }, value, status,
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

// One string per code, as the JSON-stat parser hands them out (its categories' codes), not one per cell.
const measures = Array.from({ length: 100 }, (_, i) => `m${i}`);
const sizeClasses = Array.from({ length: 5 }, (_, i) => `0${i}`);
const industries = Array.from({ length: 1000 }, (_, i) => `I${i}`);
const sources = new Map<string, string>();

function observation(i: number, table: string, value: number): Observation {
  let source = sources.get(table);
  if (source === undefined) sources.set(table, (source = `https://www.ssb.no/statbank/table/${table}`));
  return {
    measure: measures[i % 100]!, year: 1990 + Math.floor(i / 100_000), sizeClass: sizeClasses[i % 5]!, industry: industries[Math.floor(i / 100) % 1000]!,
    value, status: null, unit: 'percent', series: 'SN2007', table, source, published: '2025-09-10', revision: 0,
  };
}

/**
 * The merge figure: load a dataset of `n` observations, merge a fetch in which one in ten is revised, write it back
 * (the whole update: read, check, merge, history, write, fsync). Timed from a clean heap; returns ms and counts.
 *
 * SLOT for the store's new merge: until it exists this measures today's updateDataset; replace the body between the
 * markers with the new store function on the same inputs, and keep the checks.
 */
export async function benchMerge(n = 100_000): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-merge-'));
  try {
    const value = (i: number) => (i % 1000) / 10;
    {
      const dataset: Dataset = {
        format: 'ssb-briefing/dataset@2', title: 'bench', provenance: { builtFrom: 'bench', description: 'bench', licence: 'CC BY 4.0' },
        tables: { '10977': { id: '10977', series: 'SN2007', label: 'bench', updated: '2025-01-01T06:00:00Z', fetchedAt: '2025-01-01T07:00:00Z', notes: [] } },
        observations: Array.from({ length: n }, (_, i) => observation(i, '10977', value(i))),
      };
      await writeFile(join(dir, 'dataset.json'), serializeDataset(dataset));
    }
    // The fetch answers with every figure of the table; one in ten is revised. (The rows written above are
    // garbage by now, as they would be in a run: the dataset is on disk, the fetch is in memory.)
    const fresh = Array.from({ length: n }, (_, i) => observation(i, '10977', value(i) + (i % 10 === 0 ? 0.5 : 0)));
    collectGarbage();
    const started = performance.now();
    // ── the store's merge (slot) ──
    const result = await updateDataset({
      dataDir: dir, table: { id: '10977', series: 'SN2007', label: 'bench', updated: '2025-09-10T06:00:00Z' },
      observations: fresh, raw: [], now: new Date('2025-09-10T07:00:00Z'),
    });
    const revised = result.revised.length;
    // ── end of slot ──
    const ms = performance.now() - started;
    if (revised !== n / 10) throw new Error(`revised ${revised}, expected ${n / 10}`);
    return { ms, observations: n, revised };
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
  run().then((figures) => {
    console.log(JSON.stringify({ mode, ...figures, peakMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
  }, (error) => {
    console.error(`bench-scale ${mode} failed: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
  });
}
