import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataHash, editionFiles, editionId, latestEdition, listEditions, saveEdition, writeIndex, type EditionManifest } from '../pipeline/archive.js';
import type { Observation } from '../pipeline/briefing/model.js';
import { OutputError } from '../pipeline/errors.js';
import { templatesDir } from '../pipeline/io/paths.js';

/**
 * The archive (stage 4) on its own: an edition's identity from its figures, saving (new, kept, repaired, rebuilt in
 * place by --force), the order editions are listed and sent in (the newest period, then the newest publication, then
 * the latest made), and index.html. The CLI's use of it is tested in test/e2e/editions.test.ts.
 */

const hex = (text: string) => createHash('sha256').update(text).digest('hex');

interface ManifestOptions {
  year?: number;
  lang?: 'nn' | 'nb' | 'en';
  figures?: string;
  editionDate?: string | null;
  revised?: string | null;
  generatedAt?: string;
  headline?: string;
}

/** A valid manifest; its id comes from the year, language and figures (a stand-in hash of `figures`). */
function manifestFor(o: ManifestOptions = {}): EditionManifest {
  const year = o.year ?? 2025;
  const lang = o.lang ?? 'nn';
  const hash = hex(o.figures ?? 'figures v1');
  return {
    id: editionId({ briefing: 'sosiale-medium', year, lang, dataHash: hash }),
    briefing: 'sosiale-medium',
    lang,
    year,
    headline: o.headline ?? 'Eitt av to føretak bruker sosiale medium',
    statisticUrl: 'https://www.ssb.no/teknologi-og-innovasjon/statistikker/iktbrukn',
    keyFigures: [{ value: '50\u00a0%', label: 'av føretaka bruker sosiale medium' }],
    editionDate: o.editionDate === undefined ? '2025-09-24' : o.editionDate,
    revised: o.revised ?? null,
    dataHash: hash,
    tables: [{ id: '10977', updated: '2025-09-24T06:00:00Z' }],
    generatedAt: o.generatedAt ?? '2025-09-25T08:00:00.000Z',
    toolVersion: '0.1.0',
    pageCount: 3,
    files: { ...editionFiles },
  };
}

const pdf = (text: string) => new Uint8Array(Buffer.from(`%PDF-1.7\n% ${text}\n%%EOF\n`, 'latin1'));
const now = new Date('2025-10-01T10:00:00.000Z');

let outDir: string;
beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'archive-'));
});
afterEach(() => rm(outDir, { recursive: true, force: true }));

async function save(manifest: EditionManifest, text: string, options: { replace?: boolean; at?: Date } = {}) {
  return saveEdition({ outDir, manifest, html: `<p>${text}</p>`, pdf: pdf(text), claims: { text }, replace: options.replace ?? false, now: options.at ?? now });
}
const read = (id: string, name: string) => readFile(join(outDir, 'editions', id, name), 'utf8');
/** The edition with this id, as the archive lists it. */
const edition = async (id: string) => (await listEditions(outDir)).find((e) => e.id === id);

describe("an edition's identity", () => {
  const row = (over: Partial<Observation>): Observation => ({
    id: '10977/00/Total+K/SosMedium/2025',
    table: '10977',
    article: null,
    period: '2025',
    year: 2025,
    measure: 'any_social_media',
    size: '00',
    industry: 'Total+K',
    classification: 'SN2007',
    codes: { SyssGrpIKT: '00' },
    value: 83,
    status: null,
    bound: null,
    published: '2025-09-24',
    revision: 0,
    note: null,
    ...over,
  });

  it('rests on the figures: their ids, values, symbols, bounds and publication dates, in any order', () => {
    const a = row({});
    const b = row({ id: '10977/00/Total+K/Wiki/2025', value: 6 });
    const hash = dataHash([a, b], []);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(dataHash([b, a], [])).toBe(hash);
    for (const changed of [
      { value: 84 },
      { status: '..' as const, value: null },
      { bound: 'over' as const },
      { published: '2025-10-01' },
      { id: `${a.id}#r1` },
    ]) {
      expect(dataHash([row(changed), b], []), JSON.stringify(changed)).not.toBe(hash);
    }
    // Not the wording around them: a note or the measure's name makes the same edition.
    expect(dataHash([row({ note: 'another note', measure: 'renamed_measure' }), b], [])).toBe(hash);
  });

  it('is <year>-<lang>-<12 hex>, the same for the same briefing, year, language and figures', () => {
    const base = { briefing: 'sosiale-medium', year: 2025, lang: 'nn' as const, dataHash: hex('x') };
    const id = editionId(base);
    expect(id).toMatch(/^2025-nn-[0-9a-f]{12}$/);
    expect(editionId({ ...base })).toBe(id);
    for (const other of [{ lang: 'en' as const }, { year: 2024 }, { briefing: 'kunstig-intelligens' }, { dataHash: hex('y') }]) {
      expect(editionId({ ...base, ...other }), JSON.stringify(other)).not.toBe(id);
    }
  });
});

describe('saveEdition', () => {
  it('writes a new edition whole: html, pdf, claims and its manifest', async () => {
    const m = manifestFor();
    const saved = await save(m, 'first');
    expect(saved).toEqual({ dir: join(outDir, 'editions', m.id), created: true, replaced: false });
    expect((await readdir(saved.dir)).sort()).toEqual(['briefing.html', 'briefing.pdf', 'claims.json', 'manifest.json']);
    expect(JSON.parse(await read(m.id, 'manifest.json'))).toEqual(m);
    expect(JSON.parse(await read(m.id, 'claims.json'))).toEqual({ text: 'first' });
    expect((await listEditions(outDir)).map((e) => e.id)).toEqual([m.id]);
  });

  it('leaves an edition that exists as it is: the same figures make the same edition, made once', async () => {
    const m = manifestFor();
    await save(m, 'first');
    const before = await stat(join(outDir, 'editions', m.id, 'briefing.pdf'));
    const again = await save({ ...m, generatedAt: '2025-10-02T08:00:00.000Z' }, 'second');
    expect(again).toMatchObject({ created: false, replaced: false });
    expect(await read(m.id, 'briefing.html')).toBe('<p>first</p>');
    expect((await stat(join(outDir, 'editions', m.id, 'briefing.pdf'))).mtimeMs).toBe(before.mtimeMs);
    expect((await edition(m.id))?.generatedAt).toBe(m.generatedAt);
  });

  it('repairs a missing file of an edition that exists, leaving the others', async () => {
    const m = manifestFor();
    await save(m, 'first');
    await rm(join(outDir, 'editions', m.id, 'briefing.pdf'));
    await rm(join(outDir, 'editions', m.id, 'claims.json'));
    const again = await save(m, 'second');
    expect(again).toMatchObject({ created: false, replaced: false });
    expect(await read(m.id, 'briefing.pdf')).toContain('second');
    expect(JSON.parse(await read(m.id, 'claims.json'))).toEqual({ text: 'second' });
    expect(await read(m.id, 'briefing.html')).toBe('<p>first</p>');
  });

  it('with replace (--force) rebuilds it in place: same id, every file replaced, generatedAt kept, rebuiltAt recorded', async () => {
    const m = manifestFor();
    await save(m, 'first');
    const inode = (await stat(join(outDir, 'editions', m.id, 'briefing.pdf'))).ino;
    const later = new Date('2025-10-05T12:00:00.000Z');
    const rebuilt = await save({ ...m, generatedAt: later.toISOString() }, 'rebuilt', { replace: true, at: later });
    expect(rebuilt).toMatchObject({ created: false, replaced: true });
    expect(await read(m.id, 'briefing.html')).toBe('<p>rebuilt</p>');
    expect(await read(m.id, 'briefing.pdf')).toContain('rebuilt');
    expect(JSON.parse(await read(m.id, 'claims.json'))).toEqual({ text: 'rebuilt' });
    expect((await stat(join(outDir, 'editions', m.id, 'briefing.pdf'))).ino).not.toBe(inode); // replaced whole, not written into
    const manifest = await edition(m.id);
    expect(manifest?.generatedAt).toBe(m.generatedAt);
    expect(manifest?.rebuiltAt).toBe(later.toISOString());
    expect((await listEditions(outDir)).map((e) => e.id)).toEqual([m.id]);
  });

  it('refuses to overwrite an invalid manifest without replace, naming it and --force; with replace it rebuilds', async () => {
    const m = manifestFor();
    const dir = join(outDir, 'editions', m.id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'manifest.json'), '{"id": "half');
    const error = await save(m, 'first').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).message).toBe(
      `${join(dir, 'manifest.json')} exists but is not a valid edition manifest, so edition ${m.id} was not saved. Run again with --force to rebuild it.`,
    );
    expect(await read(m.id, 'manifest.json')).toBe('{"id": "half');
    expect(await save(m, 'forced', { replace: true })).toMatchObject({ created: true });
    expect((await edition(m.id))?.id).toBe(m.id);
  });

  it("completes a save a crash cut short before the manifest (such a folder is no edition) and clears a dead run's temp files", async () => {
    const m = manifestFor();
    const dir = join(outDir, 'editions', m.id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'briefing.html'), '<p>half');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dir, `.briefing.pdf.${dead}.0badc0de.tmp`), '%PDF-1.7 half');
    expect(await listEditions(outDir)).toEqual([]);
    expect(await save(m, 'whole')).toMatchObject({ created: true });
    expect(await read(m.id, 'briefing.html')).toBe('<p>whole</p>');
    expect((await readdir(dir)).sort()).toEqual(['briefing.html', 'briefing.pdf', 'claims.json', 'manifest.json']);
  });
});

describe('the order of editions (what `send` with no id picks, and index.html lists)', () => {
  it('the newest period first; in a period the newest publication, even when made earlier; then the latest made', async () => {
    const older = manifestFor({ year: 2024, figures: 'a', editionDate: '2024-09-24', generatedAt: '2025-12-01T08:00:00.000Z' }); // made last
    const first = manifestFor({ figures: 'b', editionDate: '2025-09-24', generatedAt: '2025-09-25T08:00:00.000Z' });
    const revised = manifestFor({ figures: 'c', editionDate: '2025-09-24', revised: '2025-11-10', generatedAt: '2025-11-11T08:00:00.000Z' });
    const remade = manifestFor({ figures: 'd', editionDate: '2025-06-01', generatedAt: '2025-11-30T08:00:00.000Z' }); // made late, published early
    const undated = manifestFor({ figures: 'e', editionDate: null, generatedAt: '2025-11-29T08:00:00.000Z' });
    for (const m of [older, first, revised, remade, undated]) await save(m, m.id);
    expect((await listEditions(outDir)).map((e) => e.id)).toEqual([revised.id, first.id, remade.id, undated.id, older.id]);
    expect((await latestEdition(outDir, 'nn'))?.id).toBe(revised.id);
  });

  it('the same publication: the latest made (or rebuilt) first', async () => {
    const a = manifestFor({ figures: 'a', generatedAt: '2025-09-25T08:00:00.000Z' });
    const b = manifestFor({ figures: 'b', generatedAt: '2025-09-26T08:00:00.000Z' });
    await save(a, 'a');
    await save(b, 'b');
    expect((await listEditions(outDir)).map((e) => e.id)).toEqual([b.id, a.id]);
    await save(a, 'a again', { replace: true, at: new Date('2025-09-27T08:00:00.000Z') });
    expect((await listEditions(outDir)).map((e) => e.id)).toEqual([a.id, b.id]);
  });

  it('latestEdition per language, null when the language has none', async () => {
    const nn = manifestFor({ lang: 'nn' });
    const en = manifestFor({ lang: 'en', year: 2024 });
    await save(nn, 'nn');
    await save(en, 'en');
    expect((await latestEdition(outDir, 'nn'))?.id).toBe(nn.id);
    expect((await latestEdition(outDir, 'en'))?.id).toBe(en.id);
    expect(await latestEdition(outDir, 'nb')).toBeNull();
    expect((await latestEdition(outDir))?.id).toBe(nn.id);
  });

  it('a folder without a valid manifest, or whose manifest names another id, is no edition', async () => {
    const m = manifestFor();
    await save(m, 'x');
    await mkdir(join(outDir, 'editions', '2026-nn-000000000000'), { recursive: true });
    await mkdir(join(outDir, 'editions', '2023-nn-111111111111'), { recursive: true });
    await writeFile(join(outDir, 'editions', '2023-nn-111111111111', 'manifest.json'), '{"id": "2023-nn-111111111111"');
    await mkdir(join(outDir, 'editions', '2027-nn-222222222222'), { recursive: true });
    await writeFile(join(outDir, 'editions', '2027-nn-222222222222', 'manifest.json'), JSON.stringify(m));
    await writeFile(join(outDir, 'editions', 'stray.txt'), 'not a folder');
    expect((await listEditions(outDir)).map((e) => e.id)).toEqual([m.id]);
  });

  it('an empty archive: no editions yet', async () => {
    expect(await listEditions(outDir)).toEqual([]);
    expect(await latestEdition(outDir, 'nn')).toBeNull();
  });
});

describe('writeIndex', () => {
  it('lists every edition newest first with working links, dates in Nynorsk, and the data escaped', async () => {
    const older = manifestFor({ year: 2024, editionDate: '2024-09-24' });
    const newer = manifestFor({ year: 2025, editionDate: '2025-11-15', lang: 'en', headline: 'One in two <enterprises> use social media & more' });
    await save(older, 'old');
    await save(newer, 'new');
    const path = await writeIndex(outDir, templatesDir, 'Sosiale medium i norske føretak');
    expect(path).toBe(join(outDir, 'index.html'));
    const index = await readFile(path, 'utf8');
    expect(index).toMatch(/^<!DOCTYPE html>\n<html lang="nn">/);
    expect(index).toContain('<title>Utgåver: Sosiale medium i norske føretak</title>');
    const hrefs = [...index.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    expect(hrefs).toEqual([
      `editions/${newer.id}/briefing.html`,
      `editions/${newer.id}/briefing.pdf`,
      `editions/${older.id}/briefing.html`,
      `editions/${older.id}/briefing.pdf`,
    ]);
    for (const href of hrefs) expect((await stat(join(outDir, href))).isFile()).toBe(true);
    expect(index).toContain('<time datetime="2025-11-15">15. november 2025</time>');
    expect(index).toContain('2025 · engelsk');
    expect(index).toContain('<p class="headline" lang="en">One in two &lt;enterprises&gt; use social media &amp; more</p>');
    expect(index).not.toContain('<enterprises>');
  });

  it('says there are no editions yet in an empty archive', async () => {
    const index = await readFile(await writeIndex(outDir, templatesDir, 'Sosiale medium i norske føretak'), 'utf8');
    expect(index).toContain('Ingen utgåver enno.');
    expect(index).not.toContain('<ol>');
  });
});
