import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadFolder } from '../support/briefing-text.js';
import { errorLines, errorsOnStderrOnly, hasStack, runCli, type CliResult } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { bindReadOnly, mountSupport, mountTmpfs, resizeTmpfs, unmount } from '../support/mounts.js';
import { briefingProblems, dataState, isCompletePdf, tempFiles } from '../support/run-state.js';
import { snapshot } from '../support/snapshot.js';
import { startStandin, type Standin } from '../support/standin.js';

/**
 * `briefing run` and `briefing fetch` (the compiled CLI) when the disk fails them: the output or data folder read-only
 * (a read-only bind mount, which stops root as chmod does not), a file where a folder must be, and a disk that fills
 * up during a write (a real tmpfs sized to the byte). Each fails with exit 7 (OutputError) and one line naming the
 * path and what to do, and leaves the last good dataset and briefing as they were. The mounts need root with
 * CAP_SYS_ADMIN; without them those cases are skipped with the reason.
 */

const mounts = mountSupport();
const noMount = mounts.ok ? '' : `(skipped: ${mounts.reason})`;
let standin: Standin;
let work: string;
let golden: { data: string; out: string };
let release = 0;
const mounted: string[] = [];
let cases = 0;

beforeAll(async () => {
  standin = await startStandin({ asOf: 2026, rateLimit: 10_000 });
  work = await mkdtemp(join(tmpdir(), 'briefing-disk-faults-'));
  golden = { data: await copyBriefing('sosiale-medium', join(work, 'golden', 'data')), out: join(work, 'golden', 'out') };
  const first = await runCli(['run', '--data', golden.data, '--out', golden.out], { env: env() }); // fetched from the stand-in, built
  expect(first.code, first.stdout).toBe(0);
}, 60_000);
afterAll(async () => {
  for (const dir of mounted.reverse()) unmount(dir);
  await standin?.close();
  await rm(work, { recursive: true, force: true });
});

function env(): Record<string, string> {
  return { SSB_API_URL: standin.v2Url, SSB_RETRY_BUDGET_MS: '300', SSB_TIMEOUT_MS: '5000' };
}

/** A new release of 10977 at StatBank, so the next run has something to write. */
function newRelease(): string {
  const updated = new Date(Date.UTC(2026, 9, 1, 6) + ++release * 86_400_000).toISOString().replace('.000Z', 'Z');
  standin.update('10977', { updated });
  return updated;
}

/** A fresh copy of the golden data and output folders (either on a tmpfs of its own) and a new release at StatBank. */
async function setUp(options: { tmpfs?: 'data' | 'out' } = {}) {
  const dir = join(work, `case-${++cases}`);
  const data = join(dir, 'data');
  const out = join(dir, 'out');
  const target = options.tmpfs === 'data' ? data : options.tmpfs === 'out' ? out : null;
  if (target) {
    mountTmpfs(target, 16 * 1024 * 1024);
    mounted.push(target);
  }
  await cp(golden.data, data, { recursive: true });
  await cp(golden.out, out, { recursive: true });
  const updated = newRelease();
  const run = (command: 'run' | 'fetch', ...extra: string[]) =>
    runCli(command === 'run' ? ['run', '--data', data, '--out', out, ...extra] : ['fetch', '--data', data, '--out', out, ...extra], { env: env() });
  return { data, out, run, updated, before: { data: await snapshot(data), out: await snapshot(out) } };
}

/** Bytes in use on the file system holding `dir`. */
const used = (dir: string) => {
  const s = statfsSync(dir);
  return (s.blocks - s.bfree) * s.bsize;
};
const size = async (path: string) => (await readFile(path)).length;
const tempsUnder = (snap: Record<string, string>) => Object.keys(snap).filter((f) => /(^|\/)\.[^/]+\.tmp$/.test(f));

/** One line, exit 7, no stack. */
function expectOneLine(result: CliResult, line: RegExp | string): void {
  expect(result.code, result.stdout).toBe(7);
  expect(errorsOnStderrOnly(result)).toBe(true);
  expect(hasStack(result)).toBe(false);
  expect(errorLines(result)).toEqual([typeof line === 'string' ? line : expect.stringMatching(line)]);
}

describe('the output folder not writable', () => {
  test.skipIf(!mounts.ok)(`read-only: the run stops before anything is fetched or built, exit 7 ${noMount}`, async () => {
    const c = await setUp();
    bindReadOnly(c.out);
    mounted.push(c.out);
    const asked = standin.requests.length;
    const result = await c.run('run');
    expectOneLine(
      result,
      `✗ The output folder ${c.out} is not writable (EROFS). Choose another folder with --out, or fix its permissions; nothing was written.`,
    );
    expect(standin.requests.length).toBe(asked);
    expect(await snapshot(c.out)).toEqual(c.before.out);
    expect(await snapshot(c.data)).toEqual(c.before.data);
  });

  test('a file where the output folder should be: exit 7 naming it, data/ untouched', async () => {
    const c = await setUp();
    const blocked = join(c.out, 'briefing-nn.pdf'); // --out pointing at a file
    const result = await runCli(['run', '--data', c.data, '--out', blocked], { env: env() });
    expectOneLine(
      result,
      `✗ The output folder ${blocked} is not writable (EEXIST). Choose another folder with --out, or fix its permissions; nothing was written.`,
    );
    expect(await snapshot(c.out)).toEqual(c.before.out);
    expect(await snapshot(c.data)).toEqual(c.before.data);
  });
});

describe('the data folder not writable', () => {
  test.skipIf(!mounts.ok)(`read-only: run and fetch stop at the lock, exit 7, nothing written ${noMount}`, async () => {
    const c = await setUp();
    bindReadOnly(c.data);
    mounted.push(c.data);
    for (const command of ['run', 'fetch'] as const) {
      const result = await c.run(command);
      expectOneLine(
        result,
        `✗ ${join(c.data, '.lock')}: cannot create the lock file (EROFS). Check that the folder exists, is writable and has free space; nothing was changed.`,
      );
    }
    expect(await snapshot(c.data)).toEqual(c.before.data);
    expect(await snapshot(c.out)).toEqual(c.before.out);
  });

  test('a file where data/raw should be: the update stops before the dataset, which stays in use; fixed, the next run goes on', async () => {
    const c = await setUp();
    await rm(join(c.data, 'raw'), { recursive: true });
    await writeFile(join(c.data, 'raw'), 'in the way\n');
    const before = { data: await snapshot(c.data), out: await snapshot(c.out) };
    const result = await c.run('run');
    expectOneLine(
      result,
      new RegExp(
        `^✗ ${join(c.data, 'raw')}/\\.10977\\.staging: cannot write \\((EEXIST|ENOTDIR)\\)\\. The dataset was left as it was \\(the last good one stays in use\\)\\. ` +
          'Check that the data folder is writable and has free space, then run again\\.$',
      ),
    );
    expect(await snapshot(c.data)).toEqual(before.data);
    expect(await snapshot(c.out)).toEqual(before.out);

    await rm(join(c.data, 'raw'));
    const again = await c.run('run');
    expect(again.code, again.stdout).toBe(0);
    expect(loadFolder(c.data).dataset.tables['10977']!.updated).toBe(c.updated);
    expect(await dataState(c.data)).toMatchObject({ problems: [], interrupted: false });
  });
});

describe('the disk full during a write', () => {
  test.skipIf(!mounts.ok)(
    `data/ full: exit 7 with ENOSPC, the last good dataset and history in place and in use; with room the next run goes on ${noMount}`,
    async () => {
      const c = await setUp({ tmpfs: 'data' });
      // Room for this fetch's raw answers, not for a new history.jsonl (~1.6 MB) beside the old one.
      resizeTmpfs(c.data, used(c.data) + 256 * 1024);
      const result = await c.run('run');
      expectOneLine(
        result,
        new RegExp(
          `^✗ ${c.data}/\\S+: cannot write \\(ENOSPC\\)\\. The dataset was left as it was \\(the last good one stays in use\\)\\. ` +
            'Check that the data folder is writable and has free space, then run again\\.$',
        ),
      );
      const after = await snapshot(c.data);
      for (const file of ['briefing.json', 'dataset.json', 'history.jsonl', 'raw/10977/data-1.json', 'raw/10977/table-info.json'])
        expect(after[file], file).toBe(c.before.data[file]);
      expect(tempsUnder(after)).toEqual([]); // no temp file left taking the space
      expect(Object.keys(after).sort()).toEqual(Object.keys(c.before.data).sort()); // nor the raw answers staged for the update
      expect(await dataState(c.data)).toMatchObject({ problems: [], interrupted: false });
      expect(await snapshot(c.out)).toEqual(c.before.out);

      resizeTmpfs(c.data, 16 * 1024 * 1024);
      const again = await c.run('run');
      expect(again.code, again.stdout).toBe(0);
      expect(loadFolder(c.data).dataset.tables['10977']!.updated).toBe(c.updated);
      expect(await dataState(c.data)).toMatchObject({ problems: [], interrupted: false });
      expect(Object.keys(await snapshot(c.data)).filter((f) => /^raw\/\./.test(f))).toEqual([]); // no staging folder left
    },
  );

  test.skipIf(!mounts.ok)(
    `the output folder full while archiving, then while replacing the briefing: the last briefing stays whole; with room the next run puts the edition in place ${noMount}`,
    async () => {
      const c = await setUp({ tmpfs: 'out' });
      const html = await size(join(c.out, 'briefing-nn.html'));
      const pdf = await size(join(c.out, 'briefing-nn.pdf'));
      const briefing = ['briefing-nn.html', 'briefing-nn.pdf', 'index.html'];
      const base = used(c.out);
      // --force --offline rebuilds the archived edition from the same figures: documents of the sizes measured here.
      const rebuild = () => runCli(['run', '--offline', '--force', '--data', c.data, '--out', c.out]);

      // 1. No room for the edition's new html beside the old one: the archive step fails, nothing replaced.
      resizeTmpfs(c.out, base + Math.floor(html / 2));
      const archiving = await rebuild();
      expectOneLine(
        archiving,
        new RegExp(
          `^✗ Cannot write ${c.out}/editions/2026-nn-[0-9a-f]{12}/briefing\\.html \\(ENOSPC\\)\\. Files already there are left as they were; run again once it is writable\\.$`,
        ),
      );
      expect(await snapshot(c.out)).toEqual(c.before.out);

      // 2. Room to replace the edition's files one by one, not to stage briefing-nn.html and .pdf together: the pair is
      //    replaced together or not at all.
      resizeTmpfs(c.out, base + html + Math.floor(pdf / 2));
      const replacing = await rebuild();
      expectOneLine(
        replacing,
        `✗ Cannot write ${join(c.out, 'briefing-nn.pdf')} (ENOSPC). None of briefing-nn.html, briefing-nn.pdf was replaced: ` +
          "the previous files, if any, are left in place. Free some space or fix the folder's permissions, then run again.",
      );
      const kept = await snapshot(c.out);
      for (const f of briefing.slice(0, 2)) expect(kept[f], f).toBe(c.before.out[f]);
      expect(tempsUnder(kept)).toEqual([]); // no temp file left taking the space
      expect(await briefingProblems(c.out)).toEqual([]);

      // 3. With room, a normal run finds the edition archived and makes briefing-nn.* that edition, without a rebuild.
      resizeTmpfs(c.out, 16 * 1024 * 1024);
      const again = await runCli(['run', '--offline', '--data', c.data, '--out', c.out]);
      expect(again.code, again.stdout).toBe(0);
      expect(again.stdout).toMatch(/^✓ archive unchanged: /m);
      const [id] = /2026-nn-[0-9a-f]{12}/.exec(again.stdout)!;
      for (const [file, name] of [
        ['briefing-nn.html', 'briefing.html'],
        ['briefing-nn.pdf', 'briefing.pdf'],
      ] as const) {
        expect(await readFile(join(c.out, file)), file).toEqual(await readFile(join(c.out, 'editions', id, name)));
      }
      expect(isCompletePdf(await readFile(join(c.out, 'briefing-nn.pdf')))).toBe(true);
      expect(await briefingProblems(c.out)).toEqual([]);
      expect(await tempFiles(c.out)).toEqual([]);
    },
  );
});
