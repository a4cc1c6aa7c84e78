import type { Change, YearFacts } from '../briefing/facts.js';
import type { Figure } from '../briefing/figures.js';
import { codeLabel } from '../briefing/labels.js';
import type { Dataset, Definition, Lang, Observation } from '../briefing/model.js';
import { formatPercentSign, formatPoints, formatShare, fractionWords, inSentence, shareAsFraction } from './format.js';
import type { PageWords } from './en-words.js';
import type { FigureSegment } from './rich.js';

/** What a phrasebook can ask about the briefing it phrases. */
export type Say = ReturnType<typeof makeSay>;

export function makeSay(dataset: Dataset, definition: Definition, facts: YearFacts, lang: Lang, terms: PageWords['terms']) {
  const words = definition.words[lang];
  const measures = new Map(definition.measures.map((m) => [m.id, m]));
  const bound = (o: Observation) => (o.bound ? `${terms.bound[o.bound]} ` : '');
  const seg = (o: Observation, text: string): FigureSegment => ({ text, value: o.value ?? Number.NaN, refs: [o.id] });
  const population = facts.population;
  const excludesFinance = /-K$/i.test(population);
  /** Whose share: every enterprise in the population, or the users of the topic. */
  const base = (f: Figure) => measures.get(f.measure)?.base ?? 'all';
  return {
    lang,
    words,
    /** A share in running text, with a published bound: "50 prosent", "over 70 prosent". */
    share: (f: Figure) => seg(f.current, `${bound(f.current)}${formatShare(f.current.value!, lang)}`),
    /** The same for one row behind a figure (what it was first published as). */
    obs: (o: Observation) => seg(o, o.value === null ? `(${o.status})` : `${bound(o)}${formatShare(o.value, lang)}`),
    /** A share with the per-cent sign, as published: "50 %", "50%". */
    sign: (f: Figure) => seg(f.current, formatPercentSign(f.current.value!, lang)),
    /** A change in percentage points (absolute): "4 prosentpoeng". */
    points: (c: Change): FigureSegment => ({ text: formatPoints(c.points, lang), value: c.points, refs: [c.from.current.id, c.to.current.id] }),
    /** The share as a fraction in words ("eitt av to", "vel tre av fire"), when it can be said as one. */
    fraction(f: Figure) {
      if (f.current.value === null || f.current.bound) return null;
      const fraction = shareAsFraction(f.current.value);
      return fraction ? { fraction, words: seg(f.current, fractionWords(fraction, lang)) } : null;
    },
    /** The definition's words for a measure, with the default verb and noun filled in. */
    m(id: string) {
      const w = measures.get(id)!.words[lang];
      return { ...w, verb: w.verb ?? terms.verb, noun: w.noun ?? w.object };
    },
    /** SSB's label of a size class or industry, as it reads inside a sentence. */
    size: (code: string) => inSentence(codeLabel(dataset, 'size', code, facts.classification, lang)),
    industry: (code: string) => inSentence(codeLabel(dataset, 'industry', code, facts.classification, lang)),
    base,
    /** Whose share, after "av"/"of": the users, or the enterprises in full ("føretaka med minst ti sysselsette") or short. */
    of(f: Figure, full = false) {
      if (base(f) === 'users') return words.users;
      if (!full) return terms.enterprises;
      return excludesFinance && (f.industry === null || f.industry === population) ? `${words.population} ${terms.excludingFinance}` : words.population;
    },
    /** Whether a figure is of all enterprises, and of all industries. */
    isAllSizes: (f: Figure) => f.size === null || f.size === definition.story.allSizes,
    isTotal: (f: Figure) => f.industry === population || facts.figures.isTotal(f.industry, f.classification),
  };
}
