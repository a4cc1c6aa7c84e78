import { expect, test } from 'vitest';
import { runSoak } from '../bench/soak.js';

/**
 * The soak's short version (the long one is `npm run soak`, 200 ticks): 20 scheduler ticks with seeded faults
 * and a new release every 7th tick. See test/soak.ts for what is checked.
 */
test('20 scheduler ticks with faults: no data loss, no duplicate mail, no leaked process, handle or memory', async () => {
  const lines: string[] = [];
  // Memory, loosely: 20 ticks are too few to tell a slow leak from V8's noise, so the heap after a full gc may grow
  // up to 48 MiB over the baseline taken after the first build (`npm run soak` holds 200 ticks to 16 MiB).
  const report = await runSoak({ ticks: 20, changeEvery: 7, heapGrowthLimitMb: 48, log: (line) => lines.push(line) });
  console.log(lines.join('\n'));
  expect(report.problems).toEqual([]);
  expect(report.ticks).toBeGreaterThanOrEqual(21);
  expect(report.releases).toBeGreaterThanOrEqual(2);
  expect(report.editions).toBe(report.releases + 1);
  expect(report.mails).toBe(report.editions * 2);
  expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(6); // the faults did happen
  expect(report.failed).toBeGreaterThan(0); // and some made a tick fail, which the next recovered from
  expect(report.heapMb.length).toBe(3); // gc could be forced, so the heap was checked
}, 240_000);
