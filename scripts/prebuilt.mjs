/**
 * Run before an npm script's program, in the same process: `node --import ./scripts/prebuilt.mjs dist/…`. (Or
 * alone: `npm run prebuilt`.) Two things, in a few milliseconds when nothing changed:
 *
 * 1. If any source the build reads (TypeScript under pipeline/, templates/, test/ and scripts/build*.mjs; the chart
 *    templates; tsconfig.json) is newer than the last build's stamp (dist/.built), run `npm run build` first
 *    (scripts/build.mjs), so what runs is never older than what was saved. A failed build stops here.
 * 2. Turn on Node's compile cache (module.enableCompileCache: V8's code cache for every module loaded afterwards,
 *    in NODE_COMPILE_CACHE or the system's temp folder), which roughly halves the time spent loading Puppeteer,
 *    Vega and pdf-lib.
 */
import { readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampPath = join(root, 'dist', '.built'); // as scripts/build.mjs writes it

const sources = [
  { dir: 'pipeline', match: /\.ts$/ },
  { dir: 'templates', match: /\.ts$|charts\/[^/]+\.json$/ },
  { dir: 'test', match: /\.ts$/, skip: /^test\/fixtures(\/|$)/ },
  { dir: 'scripts', match: /^scripts\/build[^/]*\.mjs$/ },
];

/** The newest source and its time (ms), or null when there is none. */
function newestSource() {
  let newest = null;
  const consider = (path) => {
    const mtime = statSync(path).mtimeMs;
    if (!newest || mtime > newest.mtime) newest = { path, mtime };
  };
  consider(join(root, 'tsconfig.json'));
  for (const { dir, match, skip } of sources) {
    const walk = (folder) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        const name = relative(root, path);
        if (skip?.test(name)) continue;
        if (entry.isDirectory()) walk(path);
        else if (match.test(name)) consider(path);
      }
    };
    try {
      walk(join(root, dir));
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
  }
  return newest;
}

function stampTime() {
  try {
    return statSync(stampPath).mtimeMs;
  } catch {
    return null;
  }
}

const built = stampTime();
const newest = newestSource();
if (built === null || (newest && newest.mtime > built)) {
  const why = built === null ? 'no build yet' : `${relative(root, newest.path)} changed since the last build`;
  process.stderr.write(`building first (${why})…\n`);
  const { build } = await import('./build.mjs');
  const code = build();
  if (code !== 0) process.exit(code);
}
module.enableCompileCache?.();
