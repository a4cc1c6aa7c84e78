import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { registerHelpers } from '../../templates/helpers.js';
import type { RenderedChart } from './svg.js';
import type { Briefing } from '../briefing/content.js';
import { TemplateError } from '../errors.js';
import type { Lang } from '../text/format.js';

/**
 * Fill the Handlebars templates with the briefing's content and charts: one self-contained HTML file, with its
 * stylesheet, fonts (from @fontsource, base64) and SVG charts inline, so it reads the same mailed or offline.
 */

export interface TemplateAssets {
  layout: string;
  partials: Record<string, string>;
  styles: string;
  /** @font-face rules with the fonts inline. */
  fonts: string;
}

export interface BriefingMeta {
  /** "Utgåve 1. oktober 2013 · tal frå …"; empty to leave out. */
  editionLine: string;
  generator: string;
}

const fontFiles: { family: string; pkg: string; file: string; weight: number }[] = [
  { family: 'Roboto', pkg: '@fontsource/roboto', file: 'roboto-latin-400-normal.woff2', weight: 400 },
  { family: 'Roboto', pkg: '@fontsource/roboto', file: 'roboto-latin-500-normal.woff2', weight: 500 },
  { family: 'Roboto', pkg: '@fontsource/roboto', file: 'roboto-latin-700-normal.woff2', weight: 700 },
  { family: 'Roboto Condensed', pkg: '@fontsource/roboto-condensed', file: 'roboto-condensed-latin-700-normal.woff2', weight: 700 },
];

export async function loadTemplateAssets(templatesDir: string): Promise<TemplateAssets> {
  try {
    const partialsDir = join(templatesDir, 'partials');
    const partialFiles = (await readdir(partialsDir)).filter((f) => f.endsWith('.hbs')).sort();
    const [layout, styles, fonts, ...partialSources] = await Promise.all([
      readFile(join(templatesDir, 'briefing.hbs'), 'utf8'),
      readFile(join(templatesDir, 'briefing.css'), 'utf8'),
      loadFontFaces(),
      ...partialFiles.map((f) => readFile(join(partialsDir, f), 'utf8')),
    ]);
    const partials = Object.fromEntries(partialFiles.map((f, i) => [basename(f, '.hbs'), partialSources[i]!]));
    return { layout, partials, styles, fonts };
  } catch (error) {
    throw new TemplateError(`Cannot read the templates in ${templatesDir}: ${(error as Error).message}. Restore templates/ from git.`, {
      path: templatesDir,
      cause: error,
    });
  }
}

async function loadFontFaces(): Promise<string> {
  const require = createRequire(import.meta.url);
  const rules = await Promise.all(
    fontFiles.map(async ({ family, pkg, file, weight }) => {
      const path = join(require.resolve(`${pkg}/package.json`), '..', 'files', file);
      const data = (await readFile(path)).toString('base64');
      return `@font-face { font-family: '${family}'; font-style: normal; font-weight: ${weight}; font-display: block; src: url(data:font/woff2;base64,${data}) format('woff2'); }`;
    }),
  );
  return rules.join('\n');
}

const htmlLang: Record<Lang, string> = { nn: 'nn', nb: 'nb', en: 'en' };
const brand: Record<Lang, string> = { nn: 'Statistikkbrief', nb: 'Statistikkbrief', en: 'Statistics brief' };
/** Who made the document: the tool, from SSB's figures (it is not an SSB publication). Also the PDF's Author. */
export const author: Record<Lang, string> = {
  nn: 'ssb-briefing, med tal frå Statistisk sentralbyrå',
  nb: 'ssb-briefing, med tall fra Statistisk sentralbyrå',
  en: 'ssb-briefing, with figures from Statistics Norway',
};
const licence: Record<Lang, string> = {
  nn: 'Tala er frå Statistisk sentralbyrå og kan brukast fritt under CC BY 4.0.',
  nb: 'Tallene er fra Statistisk sentralbyrå og kan brukes fritt under CC BY 4.0.',
  en: 'Figures from Statistics Norway, free to use under CC BY 4.0.',
};

/** The briefing as one HTML document. Pure: the same inputs give the same bytes. */
export function renderBriefing(briefing: Briefing, charts: RenderedChart[], assets: TemplateAssets, meta: BriefingMeta): string {
  const hb = Handlebars.create();
  registerHelpers(hb);
  for (const [name, source] of Object.entries(assets.partials)) hb.registerPartial(name, source);
  let template: HandlebarsTemplateDelegate;
  try {
    template = hb.compile(assets.layout, { strict: true });
  } catch (error) {
    throw new TemplateError(`templates/briefing.hbs does not compile: ${(error as Error).message}`, { cause: error });
  }
  const byId = new Map(charts.map((c) => [c.id, c]));
  const tables = [...new Set(briefing.facts.used.map((o) => o.table).filter((t): t is string => t !== null))].sort();
  const source = tables.length ? tables.map((t) => briefing.ui.sourceTable(t)).join('; ') : briefing.ui.source;
  const withSource = (c: RenderedChart) => ({ ...c, source });
  const sections = briefing.sections.map((s) => ({
    ...s,
    charts: s.charts.flatMap((id) => (byId.has(id as RenderedChart['id']) ? [withSource(byId.get(id as RenderedChart['id'])!)] : [])),
  }));
  try {
    return template({
      htmlLang: htmlLang[briefing.lang],
      briefing,
      sections,
      charts: charts.map(withSource),
      styles: `${assets.fonts}\n${assets.styles}`,
      about: briefing.about,
      noteLabel: briefing.ui.noteLabel,
      meta: { ...meta, brand: brand[briefing.lang], licence: licence[briefing.lang], author: author[briefing.lang] },
    });
  } catch (error) {
    throw new TemplateError(`Filling the templates failed: ${(error as Error).message}. Check templates/ and its partials.`, { cause: error });
  }
}
