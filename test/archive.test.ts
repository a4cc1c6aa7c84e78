import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  editionId,
  hashDataset,
  latestEdition,
  listEditions,
  loadEdition,
  recordSent,
  renderIndex,
  saveEdition,
  type EditionManifest,
} from '../pipeline/archive.js';
import { OutputError } from '../pipeline/errors.js';

/** A manifest for `datasetText` (the figures are fixed; only the data and language make the id). */
function manifestFor(datasetText: string, opts: { lang?: 'nn' | 'nb' | 'en'; editionDate?: string | null; generatedAt?: string } = {}): Omit<EditionManifest, 'sent'> {
  const lang = opts.lang ?? 'nn';
  const dataHash = hashDataset(datasetText);
  const tables = [{ id: '10977', updated: '2025-10-01T06:00:00Z' }];
  return {
    id: editionId({ year: 2025, lang, dataHash, tables }),
    lang,
    year: 2025,
    headline: 'Eitt av to føretak <bruker> sosiale medium & meir',
    keyFigures: [{ value: '50\u00a0%', label: 'av føretaka bruker sosiale medium' }],
    editionDate: opts.editionDate === undefined ? '2025-10-01' : opts.editionDate,
    dataHash,
    tables,
    generatedAt: opts.generatedAt ?? '2025-10-02T08:00:00.000Z',
    toolVersion: '0.1.0',
    pageCount: 3,
    files: { html: 'briefing.html', pdf: 'briefing.pdf' },
  };
}

const samplePdf = new Uint8Array(Buffer.from('%PDF-1.4\n% test edition\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n', 'latin1'));

let outDir: string;
beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'archive-'));
});
afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('editionId', () => {
  it('is the same for the same data and language, different otherwise', () => {
    const base = { year: 2025, lang: 'nn', dataHash: hashDataset('{"a":1}'), tables: [{ id: '10977', updated: '2025-10-01' }, { id: '14933', updated: null }] };
    const id = editionId(base);
    expect(id).toMatch(/^2025-nn-[0-9a-f]{12}$/);
    expect(editionId({ ...base, tables: [...base.tables].reverse() })).toBe(id);
    expect(editionId({ ...base, lang: 'en' })).toMatch(/^2025-en-/);
    expect(editionId({ ...base, dataHash: hashDataset('{"a":2}') })).not.toBe(id);
    expect(editionId({ ...base, tables: [{ id: '10977', updated: '2025-10-02' }, { id: '14933', updated: null }] })).not.toBe(id);
  });
});

describe('saveEdition', () => {
  it('makes one edition of two saves with the same data, and leaves the first files untouched', async () => {
    const manifest = manifestFor('dataset v1');
    const first = await saveEdition({ outDir, manifest, html: '<p>first</p>', pdf: samplePdf });
    expect(first.created).toBe(true);
    await recordSent(outDir, manifest.id, [{ recipient: 'ola@example.no', at: '2025-10-02T09:00:00.000Z', messageId: '<1@x>' }]);

    const second = await saveEdition({ outDir, manifest: { ...manifest, generatedAt: '2025-10-03T08:00:00.000Z' }, html: '<p>second</p>', pdf: new Uint8Array([1, 2]) });
    expect(second).toEqual({ dir: first.dir, created: false });
    expect(await readFile(join(first.dir, 'briefing.html'), 'utf8')).toBe('<p>first</p>');
    expect(new Uint8Array(await readFile(join(first.dir, 'briefing.pdf')))).toEqual(samplePdf);
    const kept = await loadEdition(outDir, manifest.id);
    expect(kept.generatedAt).toBe(manifest.generatedAt);
    expect(kept.sent.map((s) => s.recipient)).toEqual(['ola@example.no']);
    expect(await listEditions(outDir)).toHaveLength(1);
  });

  it('makes a second edition for different data, listed newest first in index.html with working links', async () => {
    const older = manifestFor('dataset v1', { editionDate: '2025-10-01' });
    const newer = manifestFor('dataset v2', { editionDate: '2025-11-15', generatedAt: '2025-11-16T08:00:00.000Z' });
    await saveEdition({ outDir, manifest: older, html: '<p>old</p>', pdf: samplePdf });
    const { created } = await saveEdition({ outDir, manifest: newer, html: '<p>new</p>', pdf: samplePdf });
    expect(created).toBe(true);
    expect(newer.id).not.toBe(older.id);
    expect((await listEditions(outDir)).map((m) => m.id)).toEqual([newer.id, older.id]);
    expect((await latestEdition(outDir, 'nn'))?.id).toBe(newer.id);
    expect(await latestEdition(outDir, 'en')).toBeNull();

    const index = await readFile(join(outDir, 'index.html'), 'utf8');
    expect(index).toMatch(/^<!DOCTYPE html>\n<html lang="nn">/);
    expect(index).toContain('<title>');
    const hrefs = [...index.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    expect(hrefs).toEqual([
      `editions/${newer.id}/briefing.html`, `editions/${newer.id}/briefing.pdf`,
      `editions/${older.id}/briefing.html`, `editions/${older.id}/briefing.pdf`,
    ]);
    for (const href of hrefs) expect((await stat(join(outDir, href))).isFile()).toBe(true);
    expect(index).toContain('15. november 2025');
    expect(index).toContain('ikkje sendt');
    // Escaped, never raw markup from the data.
    expect(index).toContain('Eitt av to føretak &lt;bruker&gt; sosiale medium &amp; meir');
    expect(index).not.toContain('<bruker>');

    await recordSent(outDir, older.id, [
      { recipient: 'ola@example.no', at: '2025-10-02T09:00:00.000Z', messageId: '<1@x>' },
      { recipient: 'kari@example.no', at: '2025-10-02T09:00:01.000Z', messageId: '<2@x>' },
    ]);
    expect(await readFile(join(outDir, 'index.html'), 'utf8')).toContain('sendt til 2 mottakarar');
  });

  it('rebuilds an edition whose save was cut short before the manifest', async () => {
    const manifest = manifestFor('dataset v1');
    const dir = join(outDir, 'editions', manifest.id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'briefing.html'), '<p>half</p>');
    expect(await listEditions(outDir)).toEqual([]);
    const { created } = await saveEdition({ outDir, manifest, html: '<p>whole</p>', pdf: samplePdf });
    expect(created).toBe(true);
    expect(await readFile(join(dir, 'briefing.html'), 'utf8')).toBe('<p>whole</p>');
  });
});

describe('listEditions and loadEdition', () => {
  it('ignores folders without a valid manifest', async () => {
    const manifest = manifestFor('dataset v1');
    await saveEdition({ outDir, manifest, html: '<p>x</p>', pdf: samplePdf });
    await mkdir(join(outDir, 'editions', '2024-nn-000000000000'), { recursive: true });
    await mkdir(join(outDir, 'editions', '2023-nn-111111111111'), { recursive: true });
    await writeFile(join(outDir, 'editions', '2023-nn-111111111111', 'manifest.json'), '{"id": "2023-nn-111111111111"');
    await writeFile(join(outDir, 'editions', 'stray.txt'), 'not a folder');
    expect((await listEditions(outDir)).map((m) => m.id)).toEqual([manifest.id]);
  });

  it('names the known editions when asked for an unknown one', async () => {
    const a = manifestFor('dataset v1');
    const b = manifestFor('dataset v1', { lang: 'en' });
    await saveEdition({ outDir, manifest: a, html: '', pdf: samplePdf });
    await saveEdition({ outDir, manifest: b, html: '', pdf: samplePdf });
    const error = await loadEdition(outDir, '2020-nn-abcdefabcdef').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as Error).message).toContain('2020-nn-abcdefabcdef');
    expect((error as Error).message).toContain(a.id);
    expect((error as Error).message).toContain(b.id);
    await expect(loadEdition(outDir, '../../etc')).rejects.toThrow(/does not exist/);
  });

  it('says there are no editions yet in an empty archive', async () => {
    await expect(loadEdition(outDir, '2025-nn-abcdefabcdef')).rejects.toThrow(/no editions there yet/);
    expect(await listEditions(outDir)).toEqual([]);
  });
});

describe('renderIndex', () => {
  it('is a page with a table even with no editions, and marks each headline with its language', () => {
    expect(renderIndex([])).toContain('Ingen utgåver enno.');
    const en = { ...manifestFor('x', { lang: 'en' }), headline: 'One in two', sent: [] };
    const html = renderIndex([en]);
    expect(html).toContain('<td lang="en">One in two</td>');
    expect(html).toContain('<th scope="col">Dato</th>');
    expect(html).toContain('engelsk');
  });
});
