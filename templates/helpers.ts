import type HandlebarsNamespace from 'handlebars';

type Handlebars = typeof HandlebarsNamespace;
type Segment = string | { note: number };

/**
 * Helpers for the briefing's templates. Every value that comes from data is escaped here; the only markup a
 * helper adds is the footnote link, built from a number.
 */
export function registerHelpers(hb: Handlebars): void {
  /** A paragraph of text segments and footnote references: escaped text, `<sup>` links for notes. */
  hb.registerHelper('paragraph', (segments: Segment[]) => {
    const html = segments
      .map((segment) =>
        typeof segment === 'string'
          ? hb.escapeExpression(segment)
          : `<sup><a href="#note-${Number(segment.note)}">${Number(segment.note)}</a></sup>`,
      )
      .join('');
    return new hb.SafeString(html);
  });
  hb.registerHelper('first', (rows: unknown[]) => rows[0] ?? []);
  hb.registerHelper('rest', (rows: unknown[]) => rows.slice(1));
}
