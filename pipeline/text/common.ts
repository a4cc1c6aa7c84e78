import type { Figure } from '../briefing/facts.js';
import { capitalise, formatNumber, formatPoints, formatShare, fractionWords, joinList, roundShare, shareAsFraction, type Lang } from './format.js';
import { measureText } from './labels.js';
import type { Milestone } from '../briefing/news.js';

/**
 * Building blocks the three phrasebooks share (wording-nn.ts, wording-nb.ts, wording-en.ts). Pure. Shares in
 * running text are whole per cent (formatShare) and changes are differences of those rounded shares, so the
 * numbers in a sentence always add up.
 */

export type SizeItem = { figure: Figure; total: Figure | null };

export function valueOf(f: Figure): number {
  return f.value ?? Number.NaN;
}

/** The change since the previous year with the figure, in whole percentage points (0 when equal). */
export function pointsOf(f: Figure): number | null {
  if (!f.previous || f.value === null) return null;
  return roundShare(f.value) - roundShare(f.previous.value);
}

const changeWords = {
  nn: { up: 'opp', down: 'ned', from: 'frå', in: 'i', same: 'same del som i' },
  nb: { up: 'opp', down: 'ned', from: 'fra', in: 'i', same: 'samme andel som i' },
  en: { up: 'up', down: 'down', from: 'from', in: 'in', same: 'the same share as in' },
} satisfies Record<Lang, unknown>;

/** ", opp 4 prosentpoeng frå 72 prosent i 2017" / ", same del som i 2017"; empty with nothing to compare. */
export function changeClause(f: Figure, lang: Lang): string {
  const points = pointsOf(f);
  if (points === null) return '';
  const w = changeWords[lang];
  const { year, value } = f.previous!;
  if (points === 0) return `, ${w.same} ${year}`;
  return `, ${points > 0 ? w.up : w.down} ${formatPoints(points, lang)} ${w.from} ${formatShare(value, lang)} ${w.in} ${year}`;
}

/** "Opp 4 prosentpoeng frå 2017" for a key figure; null with nothing to compare. */
export function shortChange(f: Figure, lang: Lang): string | null {
  const points = pointsOf(f);
  if (points === null) return null;
  const w = changeWords[lang];
  if (points === 0) return capitalise(`${w.same} ${f.previous!.year}`);
  return capitalise(`${points > 0 ? w.up : w.down} ${formatPoints(points, lang)} ${w.from} ${f.previous!.year}`);
}

/** "Om lag tre av ti føretak (31 prosent)" or "22 prosent av føretaka", as a sentence subject. */
export function shareSubject(value: number, lang: Lang): string {
  const fraction = shareAsFraction(value);
  const noun = { nn: 'føretak', nb: 'foretak', en: 'enterprises' }[lang];
  const ofThem = { nn: 'av føretaka', nb: 'av foretakene', en: 'of enterprises' }[lang];
  if (fraction) return capitalise(`${fractionWords(fraction, lang)} ${noun} (${formatShare(value, lang)})`);
  return `${formatShare(value, lang)} ${ofThem}`;
}

/** "Eitt av to norske føretak" / "72 prosent av norske føretak": the subject of a level headline. */
export function levelSubject(value: number, lang: Lang): { subject: string; singular: boolean } {
  const fraction = shareAsFraction(value);
  const noun = { nn: 'norske føretak', nb: 'norske foretak', en: 'Norwegian enterprises' }[lang];
  if (fraction) return { subject: capitalise(`${fractionWords(fraction, lang)} ${noun}`), singular: fraction.numerator === 1 };
  return { subject: `${formatShare(value, lang)} ${lang === 'en' ? 'of' : 'av'} ${noun}`, singular: false };
}

const numberWords: Record<Lang, string[]> = {
  nn: ['null', 'eitt', 'to', 'tre', 'fire', 'fem', 'seks', 'sju', 'åtte', 'ni', 'ti'],
  nb: ['null', 'ett', 'to', 'tre', 'fire', 'fem', 'seks', 'sju', 'åtte', 'ni', 'ti'],
  en: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'],
};

/**
 * A milestone said in words: "over tre av fire", "to av tre", "over halvparten" (half is said as a noun, as
 * Norwegian and English say it). `of` is what joins it to the noun: "halvparten av norske føretak" but
 * "tre av fire norske føretak".
 */
export function milestoneWords(m: Milestone, lang: Lang): { words: string; of: string } {
  const over = { nn: 'over ', nb: 'over ', en: 'more than ' }[lang];
  const prefix = m.over ? over : '';
  if (m.numerator === 1 && m.denominator === 2) {
    return { words: `${prefix}${{ nn: 'halvparten', nb: 'halvparten', en: 'half' }[lang]}`, of: lang === 'en' ? ' of' : ' av' };
  }
  const join = lang === 'en' ? 'in' : 'av';
  return { words: `${prefix}${numberWords[lang][m.numerator]} ${join} ${numberWords[lang][m.denominator]}`, of: '' };
}

/**
 * The measure's object with its examples: after a comma on first mention ("sosiale nettverk, som Facebook og
 * LinkedIn,"), in parentheses inside a list, where commas would blur the items.
 */
export function withExamples(measure: string, lang: Lang, style: ', ' | ' ' | 'parens'): string {
  const { object, examples } = measureText(measure, lang);
  if (!examples) return object;
  const such = lang === 'en' ? 'such as' : 'som';
  if (style === 'parens') return `${object} (${such} ${examples})`;
  return style === ', ' ? `${object}, ${such} ${examples},` : `${object} ${such} ${examples}`;
}

/** "85 prosent sosiale nettverk og 26 prosent bloggar", and the all-enterprise figures "76 og 10 prosent". */
export function sizeParts(items: SizeItem[], lang: Lang): { uses: string; totals: string | null } {
  const uses = joinList(items.map((i) => `${formatShare(valueOf(i.figure), lang)} ${measureText(i.figure.measure, lang).object}`), lang);
  if (items.some((i) => i.total?.value == null)) return { uses, totals: null };
  const numbers = items.map((i) => roundShare(i.total!.value!));
  const unit = lang === 'en' ? 'per cent' : 'prosent';
  const totals = numbers.length === 1 ? formatShare(numbers[0]!, lang) : `${joinList(numbers.map((n) => formatNumber(n, lang)), lang)} ${unit}`;
  return { uses, totals };
}

/** "1 nytt tal" / "3 nye tal": a count with the noun in the right number. */
export function counted(n: number, one: string, many: string): string {
  return n === 1 ? one.replace('#', '1') : many.replace('#', String(n));
}
