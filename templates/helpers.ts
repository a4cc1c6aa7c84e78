import type HandlebarsNamespace from 'handlebars';

type Handlebars = typeof HandlebarsNamespace;
type Segment = string | { text: string; refs: string[]; value: number } | { note: number };
interface Sentence {
  claim: string;
  text: Segment[];
}

/**
 * Helpers for the templates. Every value that comes from data is escaped here; the only markup a helper adds is
 * built from the briefing's own structure: a figure as `<data>` carrying the ids of the observations behind it (so a
 * machine can check every number), a footnote link, a sentence's claim id.
 */
export function registerHelpers(hb: Handlebars): void {
  const esc = (text: unknown) => hb.escapeExpression(String(text));
  const rich = (segments: Segment[], noteLabel: string): string =>
    segments
      .map((s) => {
        if (typeof s === 'string') return esc(s);
        if ('note' in s)
          return `<sup class="note-ref"><a href="#note-${Number(s.note)}" aria-label="${esc(`${noteLabel} ${Number(s.note)}`)}">${Number(s.note)}</a></sup>`;
        // A missing figure (SSB's symbol) has no number: its value is the symbol's text.
        const value = Number.isFinite(s.value) ? String(s.value) : s.text;
        return `<data value="${esc(value)}" data-refs="${esc(s.refs.join(' '))}">${esc(s.text)}</data>`;
      })
      .join('');
  const root = (options: HandlebarsNamespace.HelperOptions) => options.data?.root as { ui?: { noteLabel?: string } } | undefined;

  /** One sentence: its text, with its claim id on a span. */
  hb.registerHelper(
    'sentence',
    (sentence: Sentence, options: HandlebarsNamespace.HelperOptions) =>
      new hb.SafeString(`<span data-claim="${esc(sentence.claim)}">${rich(sentence.text, root(options)?.ui?.noteLabel ?? '')}</span>`),
  );
  /** Sentences joined with single spaces. */
  hb.registerHelper(
    'sentences',
    (list: Sentence[], options: HandlebarsNamespace.HelperOptions) =>
      new hb.SafeString(list.map((s) => `<span data-claim="${esc(s.claim)}">${rich(s.text, root(options)?.ui?.noteLabel ?? '')}</span>`).join(' ')),
  );
  /** A sentence as plain text (for attributes such as the page's description). */
  hb.registerHelper('plain', (sentence: Sentence) => sentence.text.map((s) => (typeof s === 'string' ? s : 'note' in s ? '' : s.text)).join(''));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('first', (rows: unknown[]) => rows[0] ?? []);
  hb.registerHelper('rest', (rows: unknown[]) => rows.slice(1));
}
