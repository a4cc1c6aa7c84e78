#!/usr/bin/env node
/**
 * The README's benchmark section, rendered from output/bench.json (what `npm run bench` wrote), so no figure in the
 * README is typed by hand.
 *
 *   node scripts/bench-readme.mjs [bench.json]                 print the section (paste it between the markers)
 *   node scripts/bench-readme.mjs --check README.md [bench.json]
 *        exit 1 unless README.md holds exactly this section between <!-- bench:start --> and <!-- bench:end -->
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const checkAt = args.indexOf('--check');
const readme = checkAt >= 0 ? args.splice(checkAt, 2)[1] : null;
const benchPath = args[0] ?? join(root, 'output', 'bench.json');

let bench;
try {
  bench = JSON.parse(readFileSync(benchPath, 'utf8'));
} catch (error) {
  console.error(`✗ cannot read ${benchPath} (${error.code ?? error.message}). Run npm run bench first.`);
  process.exit(2);
}

const number = (f) => (f.unit === 'ms' ? `${Math.round(f.value)} ms` : f.unit === 's' ? `${f.value.toFixed(2)} s` : `${f.value.toFixed(2)} ×`);
const { machine } = bench;
const lines = [
  '<!-- bench:start -->',
  `Measured by \`npm run bench\` on ${bench.date.slice(0, 10)}: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os};`,
  `Node ${bench.node}; ${bench.chromium}; load average ${machine.loadAverage.before.join(' ')} before, ${machine.loadAverage.after.join(' ')} after;`,
  `${bench.runs} runs per command, ${bench.method}.`,
  '',
  '| figure | target | measured | detail | |',
  '| --- | --- | --- | --- | --- |',
  ...bench.figures.map((f) => `| ${f.name} | ${f.target} | **${number(f)}** | ${f.detail} | ${f.pass ? 'met' : '**missed**'} |`),
  '',
  `Report stages (median ms): ${Object.entries(bench.stagesMedianMs)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}; peak memory of the report process ${bench.peakMemoryMb} MB.`,
  '<!-- bench:end -->',
];
const section = lines.join('\n');

if (readme) {
  const text = readFileSync(readme, 'utf8');
  const found = /<!-- bench:start -->[\s\S]*?<!-- bench:end -->/.exec(text)?.[0];
  if (found === section) {
    console.log(`${readme}: the benchmark section matches ${benchPath}`);
  } else {
    console.error(
      `✗ ${readme}: the benchmark section ${found ? 'differs from' : 'is missing; expected'} what ${benchPath} renders. Paste the output of node scripts/bench-readme.mjs.`,
    );
    process.exitCode = 1;
  }
} else {
  console.log(section);
}
