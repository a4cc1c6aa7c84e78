/**
 * `npm run bench`: the pipeline's speed against the targets of issue 6, measured side by side on this machine.
 *
 *   report   `briefing run --offline` (one language, whole process) vs `chromium --headless --print-to-pdf` of the
 *            HTML it produced (the floor: Chrome alone printing the finished page)              target ≤ 1.3 ×
 *   languages `--lang nn,nb,en` vs one language                                                 target ≤ 1.5 ×
 *   unchanged a run whose table `updated` hasn't changed (replay server on 127.0.0.1) vs `node -e ""`,
 *            and no browser started                                                             target ≤ 4 ×
 *   parse    800,000 JSON-stat cells to observations                                  target < 1.5 s, < 500 MB
 *   merge    a 10 % revision batch into 1,000,000 observations                                   target < 3 s
 *
 * Paired commands run interleaved, so both meet the same machine noise; ratios are of medians. Results are printed
 * and written to output/bench.json. BENCH_RUNS sets the runs per command (default 5).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { defaultOutDir, projectRoot } from '../../pipeline/io/paths.js';
import { chromiumArgs } from '../../pipeline/render/pdf.js';
import { copyCommittedData } from '../support/dataset.js';
import { startReplayServer } from '../support/replay-server.js';
import { serveTable, tableTexts } from '../support/statbank-fixtures.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const cli = join(projectRoot, 'dist/pipeline/cli.js');

interface Timed {
  ms: number;
  stdout: string;
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ ms: performance.now() - started, stdout });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function chromiumBinary(): string {
  if (process.env.PUPPETEER_EXECUTABLE_PATH) return process.env.PUPPETEER_EXECUTABLE_PATH;
  for (const candidate of ['chromium', 'chromium-browser', 'google-chrome-stable']) {
    if (spawnSync('sh', ['-c', `command -v ${candidate}`]).status === 0) return candidate;
  }
  throw new Error('bench: no chromium on PATH; set PUPPETEER_EXECUTABLE_PATH');
}

/** Run `a` and `b` alternately `runs` times after one warm-up each; medians in ms. */
async function pair(a: () => Promise<Timed>, b: () => Promise<Timed>): Promise<{ a: number[]; b: number[]; aOut: string[] }> {
  await a();
  await b();
  const result = { a: [] as number[], b: [] as number[], aOut: [] as string[] };
  for (let i = 0; i < runs; i++) {
    const x = await a();
    result.a.push(x.ms);
    result.aOut.push(x.stdout);
    result.b.push((await b()).ms);
  }
  return result;
}

interface Figure {
  name: string;
  value: number;
  unit: string;
  target: string;
  pass: boolean;
  detail: string;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'briefing-bench-'));
  const chromium = chromiumBinary();
  const figures: Figure[] = [];
  const stages: Record<string, number[]> = {};
  let peakMb = 0;
  try {
    const data = await copyCommittedData(join(work, 'data'));
    const out = join(work, 'out');
    const report = (langs: string) => () => timed(process.execPath, [cli, 'run', '--offline', '--force', '--lang', langs, '--data', data, '--out', out]);

    // report vs the floor
    await report('nn')();
    const html = join(out, 'briefing-nn.html');
    const floorArgs = [...chromiumArgs.filter((a) => a !== '--disable-dev-shm-usage'), '--headless', '--no-pdf-header-footer',
      `--user-data-dir=${join(work, 'profile')}`, `--print-to-pdf=${join(work, 'floor.pdf')}`, `file://${html}`];
    const one = await pair(report('nn'), () => timed(chromium, floorArgs));
    for (const stdout of one.aOut) {
      for (const m of stdout.matchAll(/^✓ (\w+).* (\d+) ms$/gm)) (stages[m[1]!] ??= []).push(Number(m[2]));
      peakMb = Math.max(peakMb, Number(/peak memory (\d+) MB/.exec(stdout)?.[1] ?? 0));
    }
    const ratio = median(one.a) / median(one.b);
    figures.push({ name: 'report / chromium --print-to-pdf', value: ratio, unit: '×', target: '≤ 1.30', pass: ratio <= 1.3,
      detail: `report ${Math.round(median(one.a))} ms, floor ${Math.round(median(one.b))} ms` });

    // three languages vs one
    const three = await pair(report('nn,nb,en'), report('nn'));
    const langRatio = median(three.a) / median(three.b);
    figures.push({ name: 'three languages / one', value: langRatio, unit: '×', target: '≤ 1.50', pass: langRatio <= 1.5,
      detail: `nn,nb,en ${Math.round(median(three.a))} ms, nn ${Math.round(median(three.b))} ms` });

    // unchanged run against the replay server vs node -e ""
    const server = await startReplayServer({ rateLimit: 10_000 });
    try {
      serveTable(server, '10977', tableTexts('10977'));
      const fetchedData = await copyCommittedData(join(work, 'fetched-data'));
      const env = { SSB_API_URL: server.v2Url };
      const unchangedRun = () => timed(process.execPath, [cli, 'run', '--data', fetchedData, '--out', join(work, 'fetched-out')], env);
      await unchangedRun(); // fetches and builds the edition once
      const unchanged = await pair(unchangedRun, () => timed(process.execPath, ['-e', '']));
      const browserStarted = unchanged.aOut.some((s) => /^✓ pdf/m.test(s) || !/^✓ fetch unchanged/m.test(s));
      const r = median(unchanged.a) / median(unchanged.b);
      figures.push({ name: 'unchanged run / node -e ""', value: r, unit: '×', target: '≤ 4.00, no browser', pass: r <= 4 && !browserStarted,
        detail: `run ${Math.round(median(unchanged.a))} ms, node ${Math.round(median(unchanged.b))} ms${browserStarted ? ', BROWSER STARTED' : ', no browser'}` });
    } finally {
      await server.close();
    }

    // scale: each in its own process
    // The median of three processes: one run of a few seconds on a shared machine is too noisy to judge alone.
    for (const [mode, limitMs, limitMb] of [['parse', 1500, 500], ['merge', 3000, Infinity]] as const) {
      const results: { ms: number; peakMb: number }[] = [];
      for (let i = 0; i < 3; i++) {
        results.push(JSON.parse((await timed(process.execPath, ['--max-old-space-size=4096', '--expose-gc', join(projectRoot, 'dist/test/bench/bench-scale.js'), mode])).stdout.trim()));
      }
      const ms = median(results.map((r) => r.ms));
      const scalePeakMb = Math.max(...results.map((r) => r.peakMb));
      const pass = ms < limitMs && scalePeakMb < limitMb;
      figures.push({ name: mode === 'parse' ? 'parse 800,000 JSON-stat cells' : 'merge 10 % revisions into 1,000,000 observations',
        value: ms / 1000, unit: 's', target: `< ${limitMs / 1000} s${Number.isFinite(limitMb) ? `, < ${limitMb} MB` : ''}`, pass,
        detail: `median of 3: ${Math.round(ms)} ms (${results.map((r) => Math.round(r.ms)).join(', ')}), peak ${scalePeakMb} MB` });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model?.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const lines = [`machine: ${machine}`, `runs: ${runs} per command, interleaved in pairs, after one warm-up each`, ''];
  for (const f of figures) {
    lines.push(`${f.pass ? 'PASS' : 'MISS'}  ${f.name}: ${f.value.toFixed(2)} ${f.unit} (target ${f.target}) — ${f.detail}`);
  }
  lines.push('', `report stages (median ms): ${Object.entries(stages).map(([k, v]) => `${k} ${median(v)}`).join(', ')}`);
  lines.push(`peak memory of the report process: ${peakMb} MB`);
  console.log(lines.join('\n'));
  await mkdir(defaultOutDir, { recursive: true });
  await writeFile(join(defaultOutDir, 'bench.json'), JSON.stringify({
    machine, runs, date: new Date().toISOString(), figures,
    stagesMedianMs: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)])), peakMemoryMb: peakMb,
  }, null, 2) + '\n');
  console.log(`written: ${join(defaultOutDir, 'bench.json')}`);
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});
