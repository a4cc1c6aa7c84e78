#!/usr/bin/env node
/**
 * `npm run build`: the TypeScript compiled to dist/ (tsc, incremental), then the chart templates compiled to Vega
 * (scripts/build-charts.mjs), then the stamp dist/.built that scripts/prebuilt.mjs compares the sources with. The
 * stamp carries the time the build started, so a source saved while it ran counts as newer.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const stampPath = join(root, 'dist', '.built');

export function build() {
  const started = new Date();
  let tsc;
  try {
    tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    console.error('✗ build: TypeScript is not installed (an install with --omit=dev?). Run npm ci, then npm run build.');
    return 2;
  }
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (compiled.status !== 0) {
    console.error('✗ build: the TypeScript does not compile (above); dist/ is left as tsc wrote it, and the stamp is not renewed.');
    return compiled.status ?? 1;
  }
  const charts = spawnSync(process.execPath, [join(root, 'scripts', 'build-charts.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (charts.status !== 0) return charts.status ?? 1;
  mkdirSync(dirname(stampPath), { recursive: true });
  closeSync(openSync(stampPath, 'w'));
  utimesSync(stampPath, started, started);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = build();
