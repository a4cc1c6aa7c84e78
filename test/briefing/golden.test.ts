import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBriefing } from '../../pipeline/briefing/content.js';
import { headlineYears } from '../../pipeline/briefing/facts.js';
import { Figures } from '../../pipeline/briefing/figures.js';
import { languages } from '../../pipeline/briefing/model.js';
import { briefingText, committed } from '../support/briefing-text.js';

/**
 * Golden texts: every edition of both committed briefings, in nn, nb and en, as a reader reads it. Each file was read
 * sentence by sentence before it was committed; a change to a sentence must change its file, and be read again.
 * `UPDATE_GOLDEN=1 npx vitest run test/briefing/golden.test.ts` rewrites them.
 */

const dir = join(import.meta.dirname, 'golden');
for (const name of ['sosiale-medium', 'kunstig-intelligens'] as const) {
  const { dataset, definition } = committed(name);
  const years = headlineYears(new Figures(dataset, definition));
  describe(`${name}: golden texts`, () => {
    for (const year of years) {
      for (const lang of languages) {
        it(`${year} ${lang}`, () => {
          const text = briefingText(buildBriefing(dataset, definition, year, lang));
          const file = join(dir, `${name}-${year}-${lang}.txt`);
          if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
          expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 and read it`).toBe(true);
          expect(text).toBe(readFileSync(file, 'utf8'));
        });
      }
    }
  });
}
