import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { differingShare, listVisualFixtures, renderVisuals, visualFixturesDir, visualReferences } from '../support/visual.js';

/**
 * Visual regression: the cover pages and chart pages of both committed briefings, printed by the real build and
 * rendered by pdftoppm, against the reference PNGs committed in test/fixtures/visual/. A page may differ in at most `tolerance` of its pixels
 * (pixelmatch, colour threshold 0.1): enough for anti-aliasing, not for a moved block or a changed figure.
 * After a deliberate change of layout, look at the new pages and run `npm run update-visuals` (test/update-visuals.ts).
 * A failing comparison writes the actual page and the difference to $TMPDIR/briefing-visual-failed/ to look at.
 */

const tolerance = 0.01;
let rendered: Map<string, Buffer>;

beforeAll(async () => {
  rendered = await renderVisuals();
});

describe('pages against their reference images', () => {
  test.each(visualReferences.map((r) => [r.file, r.briefing, r.year, r.lang, r.page] as const))('%s (%s %d %s, page %d)', async (fileName) => {
    const reference = await readFile(join(visualFixturesDir, fileName)).catch(() => null);
    expect(reference, `${fileName} is missing: run \`npm run update-visuals\` and commit test/fixtures/visual/`).not.toBeNull();
    const actual = rendered.get(fileName)!;
    const { share, diff } = differingShare(actual, reference!, 0.1);
    if (share > tolerance) {
      const out = join(tmpdir(), 'briefing-visual-failed');
      await mkdir(out, { recursive: true });
      await writeFile(join(out, fileName.replace(/\.png$/, '.actual.png')), actual);
      if (diff) await writeFile(join(out, fileName.replace(/\.png$/, '.diff.png')), diff);
    }
    expect(
      share,
      `${fileName}: ${(share * 100).toFixed(2)} % of pixels differ (allowed ${tolerance * 100} %); see ${join(tmpdir(), 'briefing-visual-failed')}`,
    ).toBeLessThanOrEqual(tolerance);
  });

  test('the comparison can fail: another page is far from the reference', () => {
    const [first, second] = visualReferences;
    const { share } = differingShare(rendered.get(first!.file)!, rendered.get(second!.file)!);
    expect(share).toBeGreaterThan(tolerance);
  });

  test('every reference image in test/fixtures/visual/ is one the test compares', async () => {
    expect(await listVisualFixtures()).toEqual(visualReferences.map((r) => r.file).sort());
  });
});
