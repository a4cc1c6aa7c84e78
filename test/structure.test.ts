import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../pipeline/io/paths.js';

/**
 * The layout's rules, checked: no import cycles, a pure core that imports no I/O, statbank/ that writes nothing, io/
 * that knows no SSB, folders that import no stage, nothing that imports the CLI (.dependency-cruiser.cjs); and the top
 * of pipeline/ holds only the entry points and the stages, so `ls pipeline/` reads as the pipeline.
 */
describe('the layout', () => {
  it('breaks none of the import rules', () => {
    const cli = join(projectRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');
    let output: string;
    try {
      output = execFileSync(process.execPath, [cli, 'pipeline', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
        cwd: projectRoot,
        encoding: 'utf8',
      });
    } catch (error) {
      throw new Error(`dependency-cruiser found violations:\n${(error as { stdout?: string }).stdout ?? error}`);
    }
    expect(output).toMatch(/no dependency violations found/);
  });

  it('catches a pure module importing node:fs, and a cycle (the rules can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefing-layout-'));
    try {
      mkdirSync(join(dir, 'pipeline', 'briefing'), { recursive: true });
      writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions":{"module":"NodeNext","moduleResolution":"NodeNext"}}');
      writeFileSync(
        join(dir, 'pipeline', 'briefing', 'a.ts'),
        "import { readFileSync } from 'node:fs';\nimport { b } from './b.js';\nexport const a = () => readFileSync('x') && b;\n",
      );
      writeFileSync(join(dir, 'pipeline', 'briefing', 'b.ts'), "import { a } from './a.js';\nexport const b = () => a;\n");
      const cli = join(projectRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');
      let output = '';
      try {
        execFileSync(process.execPath, [cli, 'pipeline', '--config', join(projectRoot, '.dependency-cruiser.cjs'), '--output-type', 'err'], {
          cwd: dir,
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (error) {
        output = String((error as { stdout?: string }).stdout);
      }
      expect(output).toMatch(/pure-core-no-io/);
      expect(output).toMatch(/no-circular/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the top of pipeline/ holds the entry points and the stages; everything else is in a folder with a rule', () => {
    const entries = readdirSync(join(projectRoot, 'pipeline')).sort();
    expect(entries).toEqual([
      'archive.ts',
      'briefing',
      'build.ts',
      'cli.ts',
      'commands.ts',
      'config.ts',
      'errors.ts',
      'fetch.ts',
      'io',
      'preview.ts',
      'render',
      'run.ts',
      'schedule.ts',
      'send.ts',
      'statbank',
      'store',
      'text',
      'update.ts',
    ]);
  });
});
