import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderVisuals, visualFixturesDir } from '../support/visual.js';

/**
 * Regenerate the reference images of test/quality/visual.test.ts, deliberately, after a change of layout that was
 * looked at: `npm run update-visuals` (runs dist/test/quality/update-visuals.js). Never run by the test suite.
 * Writes test/fixtures/visual/<edition>-page<n>.png; review them (they are images: open them) before committing.
 */
async function main(): Promise<void> {
  const pages = await renderVisuals();
  await mkdir(visualFixturesDir, { recursive: true });
  for (const [file, png] of pages) {
    await writeFile(join(visualFixturesDir, file), png);
    console.log(`wrote test/fixtures/visual/${file} (${png.length} bytes)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
