import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listEditions } from '../../pipeline/archive.js';
import { committed, loadFolder } from '../support/briefing-text.js';
import { runCli } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';
import { readPdf, squash } from '../support/pdf.js';
import { startReplayServer, v1Prefix, v2Prefix, type ReplayServer } from '../support/replay-server.js';
import { dataState } from '../support/run-state.js';
import { snapshot } from '../support/snapshot.js';
import { standinShapes, startStandin, type Standin, type StandinShape } from '../support/standin.js';

/**
 * First contact, as a user makes it: `briefing run` (the compiled CLI, real Chromium) on a fresh copy of a committed
 * briefing folder, with SSB_API_URL at a server on 127.0.0.1. Against the StatBank stand-in in each of its layouts
 * (asOf 2026: 14933 out on SN2025, 10977 and 10978 discontinued) the run fetches, merges, and prints 2026's briefing
 * with SSB's labels; against the real recorded answer of table 13265 (PxWebApi v1, v2 gone) an empty AI folder is
 * filled with exactly the committed figures.
 */

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'briefing-first-contact-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** SN2025's industry codes in the stand-in: the briefing names each by SSB's label, never by the code. */
const sn2025Codes = /\b(10-39|41-43|49-53|55-56|58-60|61-63|64-66|68-82)\b/;

describe('the social-media briefing against each StatBank layout', () => {
  for (const shape of standinShapes) {
    test(`${shape}: fetches, merges and prints 2026 in SSB's labels; exit 0`, async () => {
      const standin: Standin = await startStandin({ shapes: [shape] as StandinShape[], asOf: 2026 });
      try {
        const data = await copyBriefing('sosiale-medium', join(work, shape, 'data'));
        const out = join(work, shape, 'out');
        const result = await runCli(['run', '--data', data, '--out', out], { env: { SSB_API_URL: standin.v2Url, SSB_RETRY_BUDGET_MS: '1000' } });
        expect(result.stderr).toBe('');
        expect(result.code, result.stdout).toBe(0);
        expect(result.stdout).toMatch(/^✓ fetch fetched \d+ ms$/m);
        expect(result.stdout).toMatch(
          /^✓ update 10977: \d+ added, 0 revised, 0 withdrawn; 10978: \d+ added, 0 revised, 0 withdrawn; 14933: \d+ added, 0 revised, 0 withdrawn \d+ ms$/m,
        );
        expect(result.stdout).toMatch(/^ {2}! table 10977 is discontinued at StatBank; it is replaced by table 14933/m);
        expect(result.stdout).toMatch(/^Briefing for 2026 \(nn \d+ pages; new edition\)/m);
        expect(standin.requests.every((r) => r.path.startsWith(v2Prefix) || r.path === '/rss/statkal')).toBe(true);

        // The folder: a valid dataset its history describes, every measure's codes recorded in the definition.
        expect((await dataState(data)).problems).toEqual([]);
        const { definition, dataset } = loadFolder(data);
        for (const m of definition.measures) expect(m.codes, `${m.id} was not resolved`).toBeDefined();
        expect(Object.keys(dataset.tables).sort()).toEqual(['10977', '10978', '14933']);
        if (shape === 'extraMeasure') expect(dataset.observations.some((o) => o.table === '10977' && o.measure === null)).toBe(true);

        // The printed briefing: 2026, SN2025 industries by SSB's labels.
        const pdf = await readPdf(join(out, 'briefing-nn.pdf'));
        const text = squash(pdf.text);
        expect(pdf.title).toBe('Sosiale medium i norske føretak 2026');
        expect(text).toContain('I 2026 brukte 84 prosent av føretaka med minst ti sysselsette sosiale medium');
        expect(text).toMatch(/[Ff]orlagsverksemd, kringkasting og produksjon av innhald/);
        expect(text).toMatch(/[Tt]elekommunikasjon, IT-tenester og informasjonstenester/);
        expect(text).toContain('ny standard for næringsgruppering (SN2025)');
        expect(text).not.toMatch(sn2025Codes);
        expect(text).not.toMatch(/\b(Naering|NACE2025|SosMedType|BrukType|ContentsCode)\b/);
        expect(text).not.toContain('Endringar ved siste oppdatering'); // a table's first fetch is no change
        expect((await listEditions(out)).map((e) => e.id)).toEqual([expect.stringMatching(/^2026-nn-[0-9a-f]{12}$/)]);

        if (shape === 'typesAsContents') {
          // The next scheduled run, StatBank unchanged: table info only, nothing written, no browser.
          const before = { data: await snapshot(data), out: await snapshot(out) };
          const asked = standin.requests.length;
          const again = await runCli(['run', '--data', data, '--out', out], { env: { SSB_API_URL: standin.v2Url, SSB_RETRY_BUDGET_MS: '1000' } });
          expect(again.code, again.stdout).toBe(0);
          expect(again.stdout).toMatch(/^✓ fetch unchanged \d+ ms$/m);
          expect(again.stdout).toMatch(/^✓ archive unchanged: 2026-nn-[0-9a-f]{12} already archived/m);
          expect(again.stdout).not.toMatch(/^✓ (update|content|charts|pdf)\b/m);
          // Each table's info; for the discontinued ones, the search for a successor. No metadata, no data.
          const requests = standin.requests
            .slice(asked)
            .map((r) => `${r.method} ${r.path.replace(v2Prefix, '')}`)
            .filter((r) => !r.endsWith('/rss/statkal'));
          expect(requests.filter((r) => r !== 'GET /tables')).toEqual(['GET /tables/10977', 'GET /tables/10978', 'GET /tables/14933']);
          expect(await snapshot(data)).toEqual(before.data);
          expect(await snapshot(out)).toEqual(before.out);

          // A new release of 14933 with revised 2026 figures: a new edition, whose about box says what the update changed.
          standin.update('14933', { updated: '2026-10-01T06:00:00Z', revise: { where: { Tid: '2026' }, add: 1 } });
          const revised = await runCli(['run', '--data', data, '--out', out], { env: { SSB_API_URL: standin.v2Url, SSB_RETRY_BUDGET_MS: '1000' } });
          expect(revised.code, revised.stderr).toBe(0);
          expect(revised.stdout).toMatch(/^✓ update 14933: 0 added, [1-9]\d* revised, 0 withdrawn \d+ ms$/m);
          const about = squash((await readPdf(join(out, 'briefing-nn.pdf'))).text);
          expect(about).toContain('I 2026 brukte 85 prosent');
          expect(about).toContain('Endringar ved siste oppdatering');
          expect(about).toMatch(/Tabell 14933, oppdatert 1\. oktober 2026 kl\. 08\.00: \d+ reviderte tal\./);
          expect(about).toContain('Sosiale medium i alt, 2026: frå 84 prosent til 85 prosent');
        }
      } finally {
        await standin.close();
      }
    });
  }
});

describe('the AI briefing from the real 13265 answer, into an empty folder', () => {
  let server: ReplayServer;
  let data: string;
  let out: string;

  beforeAll(async () => {
    // As test/support/replay-cli.ts serves it: the recorded 13265 on v1, PxWebApi v2 answering as if gone.
    server = await startReplayServer();
    server.setFault((r) => r.path.startsWith(v2Prefix), { kind: 'gone' }, Number.MAX_SAFE_INTEGER);
    data = await copyBriefing('kunstig-intelligens', join(work, 'ai', 'data'));
    out = join(work, 'ai', 'out');
    // Empty: no table, no figure, no finding, no recorded code, no history or raw answers.
    await rm(join(data, 'raw'), { recursive: true });
    await rm(join(data, 'history.jsonl'));
    const dataset = JSON.parse(await readFile(join(data, 'dataset.json'), 'utf8'));
    await writeFile(join(data, 'dataset.json'), `${JSON.stringify({ ...dataset, tables: {}, observations: [], findings: [] }, null, 2)}\n`);
    const definition = JSON.parse(await readFile(join(data, 'briefing.json'), 'utf8'));
    for (const m of definition.measures) delete m.codes;
    await writeFile(join(data, 'briefing.json'), `${JSON.stringify(definition, null, 2)}\n`);
  });
  afterAll(() => server?.close());

  test('run fetches through v1, and the dataset holds the committed figures: same rows, values and statuses', async () => {
    const result = await runCli(['run', '--briefing', 'kunstig-intelligens', '--data', data, '--out', out], {
      env: { SSB_API_URL: server.v2Url, SSB_RETRY_BUDGET_MS: '1000' },
    });
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/PxWebApi v2 answered as if it were gone .*; using v1 at http:\/\/127\.0\.0\.1:\d+\/api\/v0$/m);
    expect(result.stdout).toMatch(/^✓ update 13265: 208 added, 0 revised, 0 withdrawn \d+ ms$/m);
    expect(server.requests.some((r) => r.method === 'POST' && r.path === `${v1Prefix}/no/table/13265`)).toBe(true);

    const fetched = loadFolder(data);
    const reference = committed('kunstig-intelligens');
    expect(fetched.dataset.observations).toEqual(reference.dataset.observations);
    expect({ ...fetched.dataset.tables['13265'], fetchedAt: null }).toEqual({ ...reference.dataset.tables['13265'], fetchedAt: null });
    // The measures were found by their label patterns, and the codes recorded are the committed ones.
    expect(fetched.definition.measures.map((m) => [m.id, m.codes])).toEqual(reference.definition.measures.map((m) => [m.id, m.codes]));
    expect((await dataState(data)).problems).toEqual([]);
  });

  test('the PDF says 30 per cent in 2025, up from 21 in 2024, and 80 in information and communication', async () => {
    const text = squash((await readPdf(join(out, 'briefing-nn.pdf'))).text);
    expect(text).toContain(
      'I 2025 brukte 30 prosent av føretaka med minst ti sysselsette utanom finansnæringane kunstig intelligens, opp frå 21 prosent i 2024',
    );
    expect(text).toContain('høgast i informasjon og kommunikasjon, med 80 prosent');
  });
});
