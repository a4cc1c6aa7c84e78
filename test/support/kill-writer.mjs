// A writer for test/update.test.ts to SIGKILL. Plain ESM because Node 20 cannot run TypeScript: it imports the
// real updateDataset compiled from pipeline/ by the test (argument 1: that build's root folder).
//
//   node kill-writer.mjs <build> <dataDir> loop            update table 10977 under the lock, forever
//   node kill-writer.mjs <build> <dataDir> before-dataset  one update that SIGKILLs itself after history.jsonl
//                                                          was written and before dataset.json is
//
// Each update changes 50 figures of table 10977 (values + 1, mod 100), so every iteration writes all three files.
// Prints "ready" once the modules are loaded, then waits for a line on stdin before it starts (so the test can
// start the next writer while it still checks what the last one left). Prints "write raw|history|dataset" as each write starts (so the test can
// aim its kill at a write) and "committed <n>" after each update.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [build, dataDir, mode] = process.argv.slice(2);
const load = (module) => import(pathToFileURL(join(build, 'pipeline', module)).href);
const { updateDataset } = await load('update.js');
const { withLock } = await load('io/lock.js');
const { writeFileAtomic } = await load('io/atomic.js');
const { loadDataset, currentObservations } = await load('store/dataset.js');

const table = { id: '10977', series: 'SN2007', label: 'Bruk av sosiale medium (test)', updated: '2025-08-20T06:00:00Z' };

const announce = async (path, data) => {
  process.stdout.write(`write ${path.endsWith('dataset.json') ? 'dataset' : path.endsWith('history.jsonl') ? 'history' : 'raw'}\n`);
  await writeFileAtomic(path, data);
};

let current; // this table's current figures: loaded once, then kept in step with what each update wrote

async function updateOnce(iteration, effects) {
  await withLock(dataDir, `kill-writer ${mode}`, async () => {
    current ??= currentObservations(await loadDataset(join(dataDir, 'dataset.json'))).filter((o) => o.table === table.id);
    const offset = (process.pid * 131 + iteration * 50) % current.length;
    const fresh = current.map((o, k) => ((k - offset + current.length) % current.length < 50 ? { ...o, value: (o.value + 1) % 100 } : o));
    const raw = [{ name: `data-${iteration % 3}.json`, text: JSON.stringify({ iteration, pid: process.pid }) }];
    await updateDataset({ dataDir, table, observations: fresh, raw, now: new Date(), effects });
    current = fresh;
  });
}

process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
if (mode === 'before-dataset') {
  await updateOnce(0, {
    writeFile: async (path, data) => {
      if (path.endsWith('dataset.json')) process.kill(process.pid, 'SIGKILL');
      await writeFileAtomic(path, data);
    },
  });
  throw new Error('kill-writer: should have been killed before writing dataset.json');
}
for (let iteration = 0; ; iteration++) {
  await updateOnce(iteration, { writeFile: announce });
  process.stdout.write(`committed ${iteration}\n`);
}
