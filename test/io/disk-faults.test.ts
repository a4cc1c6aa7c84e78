import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../pipeline/store/dataset.js';
import { checkHistoryConsistency } from '../../pipeline/update.js';
import { runCli } from '../support/cli.js';
import { bindReadOnly, mountSupport, mountTmpfs, resizeTmpfs, unmount } from '../support/mounts.js';
import { startReplayServer, type ReplayServer } from '../support/replay-server.js';
import { snapshot } from '../support/snapshot.js';
import { fetchedDataDir, serveVersion, tableVersion } from '../support/table-versions.js';

/**
 * `briefing run` and `briefing fetch` when the disk fails them: output/ or data/ not writable (a read-only mount,
 * which stops root as chmod does not, or a file where a folder must be), and a disk that fills up during a write
 * (a real tmpfs of a few hundred KiB). Each must fail with exit code 7 (OutputError) and a message naming the
 * path and what to do, and leave the previous dataset and briefing byte for byte as they were. The mounts need
 * root; without them those cases are skipped with the reason.
 */

const mounts = mountSupport();
const noMount = !mounts.ok ? mounts.reason : '';
let server: ReplayServer;
let work: string;
let golden: { data: string; out: string };
let env: NodeJS.ProcessEnv;
const mounted: string[] = [];
let caseNo = 0;

beforeAll(async () => {
  server = await startReplayServer();
  work = await mkdtemp(join(tmpdir(), 'briefing-disk-faults-'));
  golden = { data: await fetchedDataDir(join(work, 'golden', 'data'), server), out: join(work, 'golden', 'out') };
  env = { SSB_API_URL: server.v2Url, SSB_RETRY_BUDGET_MS: '2000', SSB_TIMEOUT_MS: '5000' };
  const first = await runCli(['run', '--data', golden.data, '--out', golden.out], { env });
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
}, 120_000);
afterAll(async () => {
  for (const dir of mounted.reverse()) unmount(dir);
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

/** A fresh copy of the golden data/ and output/ (optionally on a tmpfs each) and a new release at the server. */
async function setUp(options: { tmpfs?: 'data' | 'out' } = {}) {
  const dir = join(work, `case-${++caseNo}`);
  const data = join(dir, 'data');
  const out = join(dir, 'out');
  const target = options.tmpfs === 'data' ? data : options.tmpfs === 'out' ? out : null;
  if (target) {
    mountTmpfs(target, 8 * 1024 * 1024);
    mounted.push(target);
  }
  await cp(golden.data, data, { recursive: true });
  await cp(golden.out, out, { recursive: true });
  serveVersion(server, caseNo); // something new to fetch, so the run has to write
  const run = (command: 'run' | 'fetch', ...extra: string[]) =>
    runCli(command === 'run' ? ['run', '--data', data, '--out', out, ...extra] : ['fetch', '--data', data, ...extra], { env });
  return { data, out, run, version: tableVersion(caseNo) };
}

/** Bytes the file system holding `dir` has in use. */
const used = (dir: string) => {
  const s = statfsSync(dir);
  return (s.blocks - s.bfree) * s.bsize;
};
const size = async (path: string) => (await readFile(path)).length;

async function expectDataIntact(data: string): Promise<void> {
  await loadDataset(join(data, 'dataset.json'));
  expect(await checkHistoryConsistency(data)).toEqual([]);
}

describe('output/ not writable', () => {
  test.skipIf(!mounts.ok)(`a read-only output folder stops the run before anything is fetched or built ${noMount}`, async () => {
    const c = await setUp();
    bindReadOnly(c.out);
    mounted.push(c.out);
    const before = { data: await snapshot(c.data), out: await snapshot(c.out) };
    const result = await c.run('run');
    expect(result.code, result.stderr).toBe(7);
    expect(result.stderr).toContain(`✗ The output folder ${c.out} is not writable (EROFS). Choose another folder with --out, or fix its permissions; nothing was written.`);
    expect(await snapshot(c.out)).toEqual(before.out);
    expect(await snapshot(c.data)).toEqual(before.data);
  });

  test('a file where the output folder should be: exit 7 naming it, data/ untouched', async () => {
    const c = await setUp();
    const blocked = join(c.out, 'briefing-nn.pdf'); // --out pointing at a file
    const before = { data: await snapshot(c.data), out: await snapshot(c.out) };
    const result = await runCli(['run', '--data', c.data, '--out', blocked], { env });
    expect(result.code, result.stderr).toBe(7);
    expect(result.stderr).toContain(`✗ The output folder ${blocked} is not writable (EEXIST). Choose another folder with --out`);
    expect(await snapshot(c.out)).toEqual(before.out);
    expect(await snapshot(c.data)).toEqual(before.data);
  });
});

describe('data/ not writable', () => {
  test.skipIf(!mounts.ok)(`a read-only data folder: run and fetch stop at the lock, nothing written ${noMount}`, async () => {
    const c = await setUp();
    bindReadOnly(c.data);
    mounted.push(c.data);
    const before = { data: await snapshot(c.data), out: await snapshot(c.out) };
    for (const command of ['run', 'fetch'] as const) {
      const result = await c.run(command);
      expect(result.code, result.stderr).toBe(7);
      expect(result.stderr).toContain(`✗ ${join(c.data, '.lock')}: cannot create the lock file (EROFS). Check that the folder exists, is writable and has free space; nothing was changed.`);
    }
    expect(await snapshot(c.data)).toEqual(before.data);
    expect(await snapshot(c.out)).toEqual(before.out);
  });

  test('a file where data/raw/10977 should be: the update stops, dataset, history and briefing untouched', async () => {
    const c = await setUp();
    await rm(join(c.data, 'raw', '10977'), { recursive: true });
    await writeFile(join(c.data, 'raw', '10977'), 'in the way\n');
    const before = { data: await snapshot(c.data), out: await snapshot(c.out) };
    const result = await c.run('run');
    expect(result.code, result.stderr).toBe(7);
    expect(result.stderr).toMatch(new RegExp(`^✗ ${join(c.data, 'raw', '10977')}: cannot write \\((EEXIST|ENOTDIR)\\); dataset left unchanged\\. ` +
      'Check that the data folder is writable and has free space, then run the update again\\.$', 'm'));
    expect(await snapshot(c.data)).toEqual(before.data);
    expect(await snapshot(c.out)).toEqual(before.out);

    await rm(join(c.data, 'raw', '10977'));
    const again = await c.run('fetch');
    expect(again.code, again.stderr).toBe(0);
    expect((await loadDataset(join(c.data, 'dataset.json'))).tables['10977']!.updated).toBe(c.version.updated);
    await expectDataIntact(c.data);
  });
});

describe('the disk full during a write', () => {
  test.skipIf(!mounts.ok)(`data/ on a full tmpfs: exit 7 with ENOSPC, dataset and history unchanged; with space the next fetch succeeds ${noMount}`, async () => {
    const c = await setUp({ tmpfs: 'data' });
    // Room for the small raw files, not for a new dataset.json (~250 KiB) beside the old one.
    resizeTmpfs(c.data, used(c.data) + 64 * 1024);
    const files = ['dataset.json', 'history.jsonl'];
    const before = Object.fromEntries(await Promise.all(files.map(async (f) => [f, (await snapshot(c.data))[f]])));
    const out = await snapshot(c.out);
    const result = await c.run('run');
    expect(result.code, result.stderr).toBe(7);
    expect(result.stderr).toMatch(new RegExp(`^✗ ${c.data}/\\S+: cannot write \\(ENOSPC\\); dataset left unchanged\\. Check that the data folder is writable and has free space, then run the update again\\.$`, 'm'));
    const after = await snapshot(c.data);
    for (const f of files) expect(after[f], f).toBe(before[f]);
    expect(Object.keys(after).filter((f) => /(^|\/)\.[^/]+\.tmp$/.test(f))).toEqual([]); // no temp file left taking the space
    expect(await snapshot(c.out)).toEqual(out);
    await expectDataIntact(c.data);

    resizeTmpfs(c.data, 8 * 1024 * 1024);
    const again = await c.run('fetch');
    expect(again.code, again.stderr).toBe(0);
    expect((await loadDataset(join(c.data, 'dataset.json'))).tables['10977']!.updated).toBe(c.version.updated);
    await expectDataIntact(c.data);
  });

  test.skipIf(!mounts.ok)(`output/ full while archiving, then while replacing the briefing: the previous briefing stays whole; with space the next run restores it ${noMount}`, async () => {
    const c = await setUp({ tmpfs: 'out' });
    const html = await size(join(c.out, 'briefing-nn.html'));
    const pdf = await size(join(c.out, 'briefing-nn.pdf'));
    const briefing = ['briefing-nn.html', 'briefing-nn.pdf', 'index.html'];
    const before = await snapshot(c.out);
    const base = used(c.out);
    const expectBriefingKept = async () => {
      const now = await snapshot(c.out);
      for (const f of briefing) expect(now[f], f).toBe(before[f]);
      expect(Object.keys(now).filter((f) => /(^|\/)\.[^/]+\.tmp$/.test(f))).toEqual([]); // no temp file left taking the space
    };

    // 1. Room for the new edition's html, not its pdf: the archive step fails; no edition, no index entry.
    resizeTmpfs(c.out, base + html + Math.floor(pdf / 2));
    const archiving = await c.run('run');
    expect(archiving.code, archiving.stderr).toBe(7);
    expect(archiving.stderr).toMatch(new RegExp(`^✗ Cannot write ${c.out}/editions/[\\w-]+/briefing\\.pdf \\(ENOSPC\\)\\. Files already there are left as they were; run again once it is writable\\.$`, 'm'));
    await expectBriefingKept();
    await expectDataIntact(c.data);

    // 2. Room for the edition and briefing-nn.html, not also briefing-nn.pdf: the pair is replaced together or not at all.
    resizeTmpfs(c.out, base + (html + pdf + 16 * 1024) + html + Math.floor(pdf / 2));
    const replacing = await c.run('run');
    expect(replacing.code, replacing.stderr).toBe(7);
    expect(replacing.stderr).toContain(`✗ Cannot write ${join(c.out, 'briefing-nn.pdf')} (ENOSPC). None of briefing-nn.html, briefing-nn.pdf was replaced: ` +
      'the previous files, if any, are left in place. Free some space or fix the folder\'s permissions, then run again.');
    for (const f of ['briefing-nn.html', 'briefing-nn.pdf']) expect((await snapshot(c.out))[f], f).toBe(before[f]);

    // 3. With space, the next run finds the edition archived and puts its briefing in place, without a rebuild.
    resizeTmpfs(c.out, 8 * 1024 * 1024);
    const again = await c.run('run');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^✓ archive unchanged: /m);
    const restored = await snapshot(c.out);
    for (const f of ['briefing-nn.html', 'briefing-nn.pdf']) expect(restored[f], f).not.toBe(before[f]);
    const pdfBytes = await readFile(join(c.out, 'briefing-nn.pdf'));
    expect(pdfBytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});
