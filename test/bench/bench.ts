/**
 * `npm run bench`: the pipeline's speed against its targets, measured side by side on this machine. Exits 1 when any
 * target is missed. Writes output/bench.json (the figures, every sample, the machine, Node, Chromium, the date and
 * the load average); scripts/bench-readme.mjs renders the README's table from it, so no figure is typed by hand.
 *
 *   report     `briefing run --offline --force`, one language, the whole process as `npm run report` starts it,
 *              vs the floor: test/bench/floor.ts, the least a Puppeteer script can do to print the same HTML
 *              (launch, page, setContent, pdf, close), same Chromium binary, flags and page options  target ≤ 1.3 ×
 *   languages  the same run with --lang nn,nb,en vs one language                                      target ≤ 1.5 ×
 *   preview    a partial saved → the open page (real Chromium) shows the reloaded HTML, warm        target ≤ 300 ms
 *   start      what `npm run report` and the other scripts add before their program: the check that dist/ is
 *              newer than every source (scripts/prebuilt.mjs), nothing to build                 target ≤ 100 ms
 *   parse      800,000 JSON-stat cells to observations                                   target < 1.5 s, < 500 MB
 *   merge      load, merge a 10 % revision batch and write 100,000 observations (benchMerge)        target < 1 s
 *
 * Every run is of data/sosiale-medium/ copied to a temp folder, into a temp output folder; the report's peak memory
 * is its Node process's (maxRSS, printed at exit by a preload), Chromium's not included.
 *
 * Paired commands run interleaved, after one warm-up each, so both meet the same machine noise; ratios are of
 * medians, and the floor's own time is printed beside each. Every process gets the same Node compile cache (a fresh
 * folder for this run), so module loading is the same for the floor as for the report. BENCH_RUNS sets the runs per
 * command (default 5).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { arch, cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer';
import { defaultOutRoot, projectRoot, templatesDir } from '../../pipeline/io/paths.js';
import { startBriefingPreview } from '../../pipeline/preview.js';
import { machineArgs, resolveExecutable } from '../../pipeline/render/pdf.js';
import { copyBriefing } from '../support/data-folder.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const cli = join(projectRoot, 'dist/pipeline/cli.js');
const prebuilt = join(projectRoot, 'scripts/prebuilt.mjs');
const floorScript = join(projectRoot, 'dist/test/bench/floor.js');

interface Timed {
  ms: number;
  stdout: string;
  stderr: string;
}

/** A preload for the report's process: its peak memory (maxRSS) on stderr as it exits. */
const peakMemory = `data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => process.stderr.write(`peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\\n`));",
)}`;

export interface Figure {
  id: 'report' | 'languages' | 'preview' | 'start' | 'parse' | 'merge';
  name: string;
  value: number;
  unit: '×' | 'ms' | 's';
  target: string;
  pass: boolean;
  detail: string;
  /** The floor's median in ms, beside a ratio of report runs. */
  floorMs?: number;
  samples: Record<string, number[]>;
}

let sharedEnv: NodeJS.ProcessEnv = {};

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...sharedEnv, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stdout}${stderr}`));
      else resolve({ ms: performance.now() - started, stdout, stderr });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (values: number[]) => values.map((v) => Math.round(v));

/** Run `a` and `b` alternately `runs` times after one warm-up each. */
async function pair(a: () => Promise<Timed>, b: () => Promise<Timed>): Promise<{ a: number[]; b: number[]; aOut: string[]; aErr: string[] }> {
  await a();
  await b();
  const result = { a: [] as number[], b: [] as number[], aOut: [] as string[], aErr: [] as string[] };
  for (let i = 0; i < runs; i++) {
    const x = await a();
    result.a.push(x.ms);
    result.aOut.push(x.stdout);
    result.aErr.push(x.stderr);
    result.b.push((await b()).ms);
  }
  return result;
}

function chromiumVersion(): string {
  const binary = resolveExecutable();
  if (!binary) return "Puppeteer's own Chrome (version not asked)";
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return `${out.stdout.trim() || out.stderr.trim() || 'unknown'} (${binary})`;
}

/**
 * Save → reloaded HTML in a real browser, `runs` times after two warm-up saves. The preview is `briefing preview`'s
 * (startBriefingPreview: the server here, the render in its worker thread) over a copy of the templates, so the
 * partial saved is the copy's.
 */
async function measurePreview(work: string, data: string): Promise<number[]> {
  const templates = join(work, 'preview-templates');
  await cp(templatesDir, templates, { recursive: true });
  const partial = join(templates, 'partials/masthead.hbs');
  const source = await readFile(partial, 'utf8');
  const heading = '<h1>{{sentence briefing.headline}}</h1>';
  if (!source.includes(heading)) throw new Error(`${partial} no longer has ${heading} to edit`);
  const preview = await startBriefingPreview({ lang: 'nn', dataDir: data, templatesDir: templates, port: 0 });
  const { default: puppeteer } = await import('puppeteer');
  const executablePath = resolveExecutable();
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({ headless: true, pipe: true, args: machineArgs, ...(executablePath ? { executablePath } : {}) });
    const page = await browser.newPage();
    await page.goto(preview.url, { waitUntil: 'load' });
    const times: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const marker = `Bench${i}`;
      const started = performance.now();
      await writeFile(partial, source.replace(heading, heading.replace('<h1>', `<h1>${marker} `)));
      await page.waitForFunction(`document.querySelector('h1')?.textContent?.startsWith(${JSON.stringify(`${marker} `)})`, { polling: 5, timeout: 30_000 });
      if (i >= 2) times.push(performance.now() - started);
    }
    return times;
  } finally {
    await browser?.close();
    await preview.close();
  }
}

async function main(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'briefing-bench-'));
  sharedEnv = { NODE_COMPILE_CACHE: join(work, 'node-compile-cache') };
  const loadBefore = loadavg();
  const figures: Figure[] = [];
  const stages: Record<string, number[]> = {};
  let peakMb = 0;
  try {
    const data = await copyBriefing('sosiale-medium', join(work, 'data'));
    const out = join(work, 'out');
    const report = (langs: string) => () =>
      timed(process.execPath, [
        '--import',
        prebuilt,
        '--import',
        peakMemory,
        cli,
        'run',
        '--offline',
        '--force',
        '--lang',
        langs,
        '--data',
        data,
        '--out',
        out,
      ]);

    // report vs the floor
    await report('nn')();
    const html = join(out, 'briefing-nn.html');
    const floor = () => timed(process.execPath, [floorScript, html, join(work, 'floor.pdf')]);
    const one = await pair(report('nn'), floor);
    for (const [i, stdout] of one.aOut.entries()) {
      for (const m of stdout.matchAll(/^✓ (\w+).* (\d+) ms$/gm)) (stages[m[1]!] ??= []).push(Number(m[2]));
      peakMb = Math.max(peakMb, Number(/peak memory (\d+) MB/.exec(one.aErr[i]!)?.[1] ?? 0));
    }
    const floorMs = median(one.b);
    const ratio = median(one.a) / floorMs;
    figures.push({
      id: 'report',
      name: 'report (one language) / floor (Puppeteer printing the same HTML)',
      value: ratio,
      unit: '×',
      target: '≤ 1.30',
      pass: ratio <= 1.3,
      detail: `report ${Math.round(median(one.a))} ms, floor ${Math.round(floorMs)} ms`,
      floorMs,
      samples: { report: round(one.a), floor: round(one.b) },
    });

    // three languages vs one
    const three = await pair(report('nn,nb,en'), report('nn'));
    const langRatio = median(three.a) / median(three.b);
    figures.push({
      id: 'languages',
      name: 'report, three languages / one',
      value: langRatio,
      unit: '×',
      target: '≤ 1.50',
      pass: langRatio <= 1.5,
      detail: `nn,nb,en ${Math.round(median(three.a))} ms, nn ${Math.round(median(three.b))} ms (floor ${Math.round(floorMs)} ms)`,
      floorMs,
      samples: { three: round(three.a), one: round(three.b) },
    });

    // the preview: save → reloaded HTML
    const preview = await measurePreview(work, data);
    const previewMs = median(preview);
    figures.push({
      id: 'preview',
      name: 'preview: partial saved → reloaded HTML in the page (warm)',
      value: previewMs,
      unit: 'ms',
      target: '≤ 300 ms',
      pass: previewMs <= 300,
      detail: `median of ${preview.length}: ${round(preview).join(', ')} ms`,
      samples: { save: round(preview) },
    });

    // what an npm script adds before its program: the staleness check (nothing to build) and the compile cache
    const start = await pair(
      () => timed(process.execPath, ['--import', prebuilt, '-e', '']),
      () => timed(process.execPath, ['-e', '']),
    );
    const overhead = median(start.a) - median(start.b);
    figures.push({
      id: 'start',
      name: 'npm script start-up: the prebuilt check with nothing to build',
      value: overhead,
      unit: 'ms',
      target: '≤ 100 ms',
      pass: overhead <= 100,
      detail: `node --import scripts/prebuilt.mjs -e "" ${Math.round(median(start.a))} ms, node -e "" ${Math.round(median(start.b))} ms`,
      samples: { checked: round(start.a), node: round(start.b) },
    });

    // scale: each in its own process, the median of three (one run of a process is too noisy to judge alone)
    for (const [mode, limitMs, limitMb] of [
      ['parse', 1500, 500],
      ['merge', 1000, Infinity],
    ] as const) {
      const results: { ms: number; peakMb: number }[] = [];
      for (let i = 0; i < 3; i++) {
        results.push(
          JSON.parse(
            (
              await timed(process.execPath, ['--max-old-space-size=4096', '--expose-gc', join(projectRoot, 'dist/test/bench/bench-scale.js'), mode])
            ).stdout.trim(),
          ),
        );
      }
      const ms = median(results.map((r) => r.ms));
      const scalePeakMb = Math.max(...results.map((r) => r.peakMb));
      figures.push({
        id: mode,
        name: mode === 'parse' ? 'parse 800,000 JSON-stat cells' : 'load, merge a 10 % revision batch and write 100,000 observations',
        value: ms / 1000,
        unit: 's',
        target: `< ${limitMs / 1000} s${Number.isFinite(limitMb) ? `, < ${limitMb} MB` : ''}`,
        pass: ms < limitMs && scalePeakMb < limitMb,
        detail: `median of 3: ${Math.round(ms)} ms (${results.map((r) => Math.round(r.ms)).join(', ')}), peak ${scalePeakMb} MB`,
        samples: { ms: round(results.map((r) => r.ms)), peakMb: results.map((r) => r.peakMb) },
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const cpu = cpus();
  const machine = {
    cpu: cpu[0]?.model?.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()} ${arch()}`,
    loadAverage: { before: loadBefore.map((l) => Math.round(l * 100) / 100), after: loadavg().map((l) => Math.round(l * 100) / 100) },
  };
  const result = {
    date: new Date().toISOString(),
    machine,
    node: process.version,
    chromium: chromiumVersion(),
    runs,
    method: 'paired commands interleaved after one warm-up each; ratios of medians; one Node compile cache for all processes',
    figures,
    stagesMedianMs: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)])),
    peakMemoryMb: peakMb,
  };
  const lines = [
    `machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}; load ${machine.loadAverage.before.join(' ')} → ${machine.loadAverage.after.join(' ')}`,
    `Node ${result.node}, ${result.chromium}; ${runs} runs per command, interleaved in pairs, after one warm-up each`,
    '',
  ];
  for (const f of figures) lines.push(`${f.pass ? 'PASS' : 'MISS'}  ${f.name}: ${f.value.toFixed(2)} ${f.unit} (target ${f.target}) — ${f.detail}`);
  lines.push(
    '',
    `report stages (median ms): ${Object.entries(result.stagesMedianMs)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  lines.push(`peak memory of the report process: ${peakMb} MB`);
  console.log(lines.join('\n'));
  await mkdir(defaultOutRoot, { recursive: true });
  const file = join(defaultOutRoot, 'bench.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  await (await import('node:fs/promises')).rename(`${file}.tmp`, file);
  const missed = figures.filter((f) => !f.pass);
  console.log(`written: ${file}`);
  if (missed.length) console.log(`MISSED ${missed.length} target(s): ${missed.map((f) => f.id).join(', ')}`);
  return missed.length ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 2;
  },
);
