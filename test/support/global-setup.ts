import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../pipeline/io/paths.js';

/** Tests that run the CLI as a user would run the compiled `dist/`: build it once, incrementally, before any test. */
export default function setup(): void {
  execFileSync(process.execPath, [join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', join(projectRoot, 'tsconfig.json')], {
    stdio: 'inherit',
  });
}
