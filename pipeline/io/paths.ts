import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, templates/ and data/: walked up to, as this module runs from dist/ or (vitest) pipeline/. */
function findProjectRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'ssb-briefing') return dir;
    if (dirname(dir) === dir) throw new Error('ssb-briefing: cannot find the project root (package.json) above ' + import.meta.url);
  }
}

export const projectRoot = findProjectRoot();
export const templatesDir = join(projectRoot, 'templates');
/** data/ and output/: one folder per briefing in each. */
export const defaultDataRoot = join(projectRoot, 'data');
export const defaultOutRoot = join(projectRoot, 'output');

export function packageVersion(): string {
  return JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version as string;
}
