import type { Lang } from '../briefing/model.js';
import { capitalise, lists } from './format.js';

/** Text that knows where its numbers come from: strings, figures (their text and observation ids) and footnote references. Pure. */

export interface FigureSegment {
  text: string;
  /** The number itself, as a machine reads it (a share, a difference in points). */
  value: number;
  /** The observation ids the figure rests on (a change rests on two). */
  refs: string[];
}
export type Segment = string | FigureSegment | { note: number };
export type Rich = Segment[];
type Part = string | number | FigureSegment | Rich | { note: number } | null | undefined | false;

const isFigure = (s: unknown): s is FigureSegment => typeof s === 'object' && s !== null && 'refs' in s;

/** `r\`I ${year} brukte ${share} …\``: a Rich whose interpolated figures stay figures; null, undefined and false vanish. */
export function r(strings: TemplateStringsArray, ...parts: Part[]): Rich {
  const out: Rich = [];
  const push = (s: Segment) => {
    const last = out.at(-1);
    if (typeof s === 'string' && typeof last === 'string') out[out.length - 1] = last + s;
    else if (s !== '') out.push(s);
  };
  strings.forEach((text, i) => {
    push(text);
    const part = parts[i];
    if (Array.isArray(part)) part.forEach(push);
    else if (part !== null && part !== undefined && part !== false) push(typeof part === 'number' ? String(part) : part);
  });
  return out;
}

/** Join Rich pieces as the language lists them: "a, b og c". */
export function joinRich(items: Rich[], lang: Lang): Rich {
  const parts = lists[lang].formatToParts(items.map((_, i) => String(i)));
  return r`${parts.flatMap((p) => (p.type === 'element' ? items[Number(p.value)]! : [p.value]))}`;
}

export function plain(text: Rich): string {
  return text.map((s) => (typeof s === 'string' ? s : 'note' in s ? '' : s.text)).join('');
}

/** Every observation id a text rests on. */
export function refsOf(text: Rich): string[] {
  return [...new Set(text.flatMap((s) => (isFigure(s) ? s.refs : [])))];
}

/** Upper-case the first letter of the text (a sentence start), wherever it is. */
export function capitaliseRich(text: Rich): Rich {
  const i = text.findIndex((s) => (typeof s === 'string' ? s.length > 0 : isFigure(s)));
  if (i < 0) return text;
  const first = text[i]!;
  const copy = [...text];
  copy[i] = typeof first === 'string' ? capitalise(first) : isFigure(first) ? { ...first, text: capitalise(first.text) } : first;
  return copy;
}
