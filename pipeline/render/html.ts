import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import type { RenderedChart } from '../briefing/chart-specs.js';
import type { Briefing } from '../briefing/content.js';
import { TemplateError } from '../errors.js';
import { registerHelpers } from '../../templates/helpers.js';

/**
 * Fill the Handlebars templates with a briefing and its charts: one self-contained HTML file (stylesheet, fonts from
 * @fontsource as base64, SVG charts inline), the same mailed, archived or offline. Escaping is the template engine's
 * job: data reaches the page only through `{{…}}` and the helpers in templates/helpers.ts.
 */

/** The faces the stylesheet uses, from @fontsource's packages; the first is the body text's, for the PDF's running header and footer. */
const fontFaces: [family: string, weight: number][] = [
  ['Roboto', 400],
  ['Roboto', 500],
  ['Roboto', 700],
  ['Roboto Condensed', 700],
];

/** The templates, the stylesheet, the @font-face rules with the fonts inline, and the body text's rule alone (`marginFont`). */
export async function loadTemplateAssets(templatesDir: string) {
  try {
    const partialsDir = join(templatesDir, 'partials');
    const partialFiles = (await readdir(partialsDir)).filter((f) => f.endsWith('.hbs')).sort();
    const [layout, styles, rules, ...partialSources] = await Promise.all([
      readFile(join(templatesDir, 'briefing.hbs'), 'utf8'),
      readFile(join(templatesDir, 'briefing.css'), 'utf8'),
      loadFontFaces(),
      ...partialFiles.map((f) => readFile(join(partialsDir, f), 'utf8')),
    ]);
    const partials = Object.fromEntries(partialFiles.map((f, i) => [basename(f, '.hbs'), partialSources[i]!]));
    return { layout, partials, styles, fonts: rules.join('\n'), marginFont: rules[0]! };
  } catch (error) {
    throw new TemplateError(`Cannot read the templates in ${templatesDir}: ${(error as Error).message}. Restore templates/ from git.`, {
      path: templatesDir,
      cause: error,
    });
  }
}

let fontRules: Promise<string[]> | undefined;
/** The fonts never change while a process runs: read once. */
function loadFontFaces(): Promise<string[]> {
  fontRules ??= Promise.all(
    fontFaces.map(async ([family, weight]) => {
      const name = family.toLowerCase().replace(' ', '-');
      const path = join(createRequire(import.meta.url).resolve(`@fontsource/${name}/package.json`), '..', 'files', `${name}-latin-${weight}-normal.woff2`);
      const data = (await readFile(path)).toString('base64');
      return `@font-face { font-family: '${family}'; font-style: normal; font-weight: ${weight}; font-display: block; src: url(data:font/woff2;base64,${data}) format('woff2'); }`;
    }),
  );
  return fontRules;
}

/**
 * A Handlebars environment with the partials and helpers, and a named template in it. Handlebars compiles on first
 * use, so a syntax error comes with the filling, as any other.
 */
export function compileTemplate(source: string, partials: Record<string, string>, name: string): Handlebars.TemplateDelegate {
  const hb = Handlebars.create();
  registerHelpers(hb);
  for (const [partial, text] of Object.entries(partials)) hb.registerPartial(partial, text);
  const template = hb.compile(source, { strict: true });
  return (context: unknown) => {
    try {
      return template(context);
    } catch (error) {
      throw new TemplateError(`Filling ${name} failed: ${(error as Error).message}. Check templates/ and its partials.`, { template: name, cause: error });
    }
  };
}

/** The briefing as one HTML document. Pure: the same inputs give the same bytes. */
export function renderBriefing(briefing: Briefing, charts: RenderedChart[], assets: Awaited<ReturnType<typeof loadTemplateAssets>>, generator: string): string {
  const template = compileTemplate(assets.layout, assets.partials, 'templates/briefing.hbs');
  const withSource = charts.map((c) => ({ ...c, source: briefing.chartSources[c.id] ?? briefing.ui.source }));
  const byId = new Map(withSource.map((c) => [c.id, c]));
  const sections = briefing.sections.map((s) => ({ ...s, charts: s.charts.flatMap((id) => byId.get(id) ?? []) }));
  return template({
    htmlLang: briefing.lang,
    briefing,
    sections,
    charts: withSource,
    styles: `${assets.fonts}\n${assets.styles}`,
    ui: briefing.ui,
    generator,
  });
}
