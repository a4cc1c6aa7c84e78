/**
 * `npm run bench`: how fast `npm run report`'s work is, measured side by side with its floor, Chromium alone
 * printing the finished HTML (`chromium --headless --print-to-pdf`). Runs are interleaved so both meet the same
 * machine noise; the figure that matters is the ratio of medians. Results are printed and written to
 * output/bench.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { defaultOutDir, projectRoot } from '../pipeline/paths.js';
import { chromiumArgs } from '../pipeline/print.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const cli = join(projectRoot, 'dist/pipeline/cli.js');

interface Timed {
  ms: number;
  stdout: string;
}

function timed(command: string, args: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
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

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'briefing-bench-'));
  const chromium = chromiumBinary();
  try {
    const report = { totals: [] as number[], floor: [] as number[], stages: {} as Record<string, number[]>, peakMb: [] as number[] };
    // Warm-up: one run of each, not counted (disk cache, font cache).
    await timed(process.execPath, [cli, 'run', '--offline', '--force', '--out', work]);
    const html = join(work, 'briefing-nn.html');
    const floorArgs = [...chromiumArgs.filter((a) => a !== '--disable-dev-shm-usage'), '--headless', '--no-pdf-header-footer', `--user-data-dir=${join(work, 'profile')}`, `--print-to-pdf=${join(work, 'floor.pdf')}`, `file://${html}`];
    await timed(chromium, floorArgs);
    for (let i = 0; i < runs; i++) {
      const run = await timed(process.execPath, [cli, 'run', '--offline', '--force', '--out', work]);
      report.totals.push(run.ms);
      for (const m of run.stdout.matchAll(/^✓ (\w+).* (\d+) ms$/gm)) (report.stages[m[1]!] ??= []).push(Number(m[2]));
      const peak = /peak memory (\d+) MB/.exec(run.stdout);
      if (peak) report.peakMb.push(Number(peak[1]));
      report.floor.push((await timed(chromium, floorArgs)).ms);
    }
    const total = median(report.totals);
    const floor = median(report.floor);
    const ratio = total / floor;
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    const lines = [
      `machine: ${machine}`,
      `runs: ${runs} each, interleaved, after one warm-up`,
      `npm run report (one language, offline, whole process): median ${Math.round(total)} ms`,
      `chromium --headless --print-to-pdf of the same HTML (floor): median ${Math.round(floor)} ms`,
      `ratio report / floor: ${ratio.toFixed(2)} (target ≤ 1.30)`,
      `stages (median ms): ${Object.entries(report.stages).map(([k, v]) => `${k} ${median(v)}`).join(', ')}`,
      `peak memory of the node process: ${Math.max(...report.peakMb)} MB`,
    ];
    console.log(lines.join('\n'));
    const result = {
      machine, runs, date: new Date().toISOString(),
      report: { medianMs: Math.round(total), samplesMs: report.totals.map(Math.round) },
      floor: { medianMs: Math.round(floor), samplesMs: report.floor.map(Math.round) },
      ratio: { value: Number(ratio.toFixed(3)), target: 1.3 },
      stagesMedianMs: Object.fromEntries(Object.entries(report.stages).map(([k, v]) => [k, median(v)])),
      peakMemoryMb: Math.max(...report.peakMb),
    };
    await writeFile(join(defaultOutDir, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
    console.log(`written: ${join(defaultOutDir, 'bench.json')}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});
