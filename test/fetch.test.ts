import { cp, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBriefing } from '../pipeline/briefing/content.js';
import { latestYear } from '../pipeline/briefing/facts.js';
import { Figures } from '../pipeline/briefing/figures.js';
import { FetchError, TableChangedError } from '../pipeline/errors.js';
import { fetchTables } from '../pipeline/fetch.js';
import { defaultDataRoot } from '../pipeline/io/paths.js';
import { createStatbankClient } from '../pipeline/statbank/client.js';
import { updateDataset } from '../pipeline/update.js';
import { briefingText, loadFolder } from './support/briefing-text.js';
import { standinShapes, startStandin, type Standin, type StandinShape } from './support/standin.js';

/**
 * First contact: the social-media definition against StatBank stand-ins laid out in every way the real tables might
 * be (types as their own dimension or as ContentsCode values, industry before size, an industry variable whose code
 * nobody guessed, a measure the definition doesn't use), through the real client on 127.0.0.1. Each time the
 * definition's measures resolve by SSB's labels, the codes are recorded, and the latest year's briefing names every
 * category by SSB's label. What can't be trusted stops before anything is written.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'briefing-fetch-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const name of ['briefing.json', 'dataset.json']) await cp(join(defaultDataRoot, 'sosiale-medium', name), join(dir, name));
  return dir;
}

async function standin(options: Parameters<typeof startStandin>[0] = {}): Promise<Standin> {
  const s = await startStandin(options);
  cleanups.push(() => s.close());
  return s;
}

async function fetchInto(dir: string, s: Standin, now = new Date('2026-12-01T08:00:00Z')) {
  const { definition, dataset, text } = loadFolder(dir);
  const client = createStatbankClient({ baseUrl: s.v2Url, retryBudgetMs: 500, backoffBaseMs: 10 });
  const outcome = await fetchTables({ definition, dataset, client, now });
  const update = outcome.fetched.length ? await updateDataset({ dataDir: dir, definition, dataset, datasetText: text, fetched: outcome.fetched, now }) : null;
  return { outcome, update };
}

/** Every file of a folder with its bytes: to show nothing was written. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path] = (await readFile(path)).toString('base64');
  }
  return out;
}

describe('first contact with every table shape', () => {
  const cases: StandinShape[][] = [...standinShapes.map((s) => [s]), [...standinShapes]];
  for (const shapes of cases) {
    it(`${shapes.join(' + ')}: resolves the measures, records their codes and tells the latest year in SSB's labels`, async () => {
      const dir = await folder();
      const s = await standin({ shapes, asOf: 2026 });
      const { outcome, update } = await fetchInto(dir, s);
      expect(outcome.status).toBe('fetched');
      expect(update?.changed).toBe(true);
      const { definition, dataset } = loadFolder(dir);
      for (const m of definition.measures) expect(m.codes, `${m.id} was not resolved`).toBeDefined();
      const figures = new Figures(dataset, definition);
      const year = latestYear(figures);
      expect(year).toBe(2026);
      const text = briefingText(buildBriefing(dataset, definition, year, 'nn'));
      // SN2025 categories by SSB's labels, never by a bare code.
      expect(text).toMatch(/[Ff]orlagsverksemd, kringkasting og produksjon av innhald/);
      expect(text).not.toMatch(/\b58-60\b|\b61-63\b/);
      expect(text).toContain('ny standard for næringsgruppering (SN2025)');
      if (shapes.includes('extraMeasure')) expect(dataset.observations.some((o) => o.table === '10977' && o.measure === null)).toBe(true);
    });
  }

  it('a year before the break (2025) is told from 10977 and 10978, with no change computed across SN2007 and SN2025', async () => {
    const dir = await folder();
    const s = await standin({ asOf: 2026 });
    await fetchInto(dir, s);
    const { definition, dataset } = loadFolder(dir);
    const b = buildBriefing(dataset, definition, 2026, 'en');
    expect(b.facts.classification).toBe('SN2025');
    expect(b.facts.headlineChange).toBeNull();
    expect(buildBriefing(dataset, definition, 2025, 'en').facts.classification).toBe('SN2007');
  });

  it('a second fetch of the same tables changes nothing and writes nothing', async () => {
    const dir = await folder();
    const s = await standin({ asOf: 2026 });
    await fetchInto(dir, s);
    const before = await snapshot(dir);
    const again = await fetchInto(dir, s);
    expect(again.outcome.status).toBe('unchanged');
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe("what can't be trusted stops before anything is written", () => {
  it('a code renamed since the last fetch stops the fetch, names the code and leaves the folder byte-identical', async () => {
    const dir = await folder();
    const s = await standin({ asOf: 2026 });
    await fetchInto(dir, s);
    const before = await snapshot(dir);
    s.update('10977', { updated: '2026-12-02T07:00:00Z', renameCode: { dimension: 'NACE2007', from: '58-63', to: '58-63X' } });
    const error = await fetchInto(dir, s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TableChangedError);
    expect((error as Error).message).toMatch(/NACE2007 "58-63" \(Informasjon og kommunikasjon\) is gone; new: "58-63X"/);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a measure code recorded in the definition and gone from the table stops the fetch', async () => {
    const dir = await folder();
    const s = await standin({ asOf: 2026 });
    await fetchInto(dir, s);
    const before = await snapshot(dir);
    s.update('10977', { updated: '2026-12-02T07:00:00Z', renameCode: { dimension: 'ContentsCode', from: 'Blogg', to: 'Blogg2' } });
    const error = await fetchInto(dir, s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TableChangedError);
    expect((error as Error).message).toMatch(/"Blogg"/);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a malformed `updated` is refused before anything is written', async () => {
    const dir = await folder();
    const s = await standin({ asOf: 2026 });
    s.update('10977', { updated: '2026-13-45T99:00:00Z' });
    const before = await snapshot(dir);
    const error = await fetchInto(dir, s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchError);
    expect((error as FetchError).context.reason).toBe('malformed');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('StatBank answering 503 to everything is offline: nothing written, the committed data stays in use', async () => {
    const dir = await folder();
    const s = await standin({ asOf: 2026 });
    s.fault('unavailable');
    const before = await snapshot(dir);
    const { outcome } = await fetchInto(dir, s);
    expect(outcome.status).toBe('offline');
    expect(outcome.message).toMatch(/^StatBank unreachable:/);
    expect(await snapshot(dir)).toEqual(before);
  });

  for (const fault of ['oversize', 'gzipBomb', 'redirectPost'] as const) {
    it(`${fault}: a clear error, nothing written, no crash`, async () => {
      const dir = await folder();
      const s = await standin({ asOf: 2026 });
      s.fault(fault);
      const before = await snapshot(dir);
      const error = await fetchInto(dir, s).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FetchError);
      expect((error as FetchError).context.reason).toBe(fault === 'redirectPost' ? 'redirect' : 'too-large');
      expect(await snapshot(dir)).toEqual(before);
      await stat(join(dir, 'dataset.json'));
    });
  }
});
