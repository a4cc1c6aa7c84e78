import type { Change, YearFacts } from '../briefing/facts.js';
import type { Figure } from '../briefing/figures.js';
import type { Lang } from '../briefing/model.js';
import { capitalise, fractionWords } from './format.js';
import { words } from './en-words.js';
import { pagePhrases } from './phrasebook.js';
import { capitaliseRich as cap, joinRich, r, type Rich } from './rich.js';
import type { Say } from './say.js';

/**
 * British English in a statistics office's house style: "compared with", "persons employed", no sentence that starts
 * with a numeral. Its words (text/en-words.ts) and sentences are the shape every language fills in (PageWords, Phrasebook).
 */

const page = pagePhrases('en', words);

const list = (items: Rich[]) => joinRich(items, 'en');

/** "use" -> "uses", "have" -> "has": the verb after "one in …". */
const singular = (verb: string) => verb.replace(/^(\w+)/, (w) => (w === 'have' ? 'has' : w.endsWith('s') ? w : `${w}s`));

/** A phrasebook only phrases facts whose precondition holds; which are said, in which order, briefing/content.ts decides once. */
export const en = {
  ...page,
  lang: 'en' as Lang,

  headlineFraction(f: Figure, say: Say) {
    const { words, fraction } = say.fraction(f)!;
    const m = say.m(f.measure);
    const verb = fraction.numerator === 1 ? singular(m.verb.present) : m.verb.present;
    return cap(r`${words} Norwegian enterprises ${verb} ${m.object}`);
  },
  headlineChange(c: Change, say: Say) {
    const m = say.m(c.to.measure);
    return r`${c.points > 0 ? 'More' : 'Fewer'} enterprises ${m.verb.present} ${m.object}`;
  },
  headlineLevel(f: Figure, say: Say) {
    const m = say.m(f.measure);
    return r`${capitalise(m.object)} in use in ${say.share(f)} of Norwegian enterprises`;
  },
  ledeLevel(f: Figure, change: Change | null, say: Say) {
    const m = say.m(f.measure);
    const examples = m.examples && !change ? `, such as ${m.examples}` : '';
    return r`In ${f.year}, ${say.share(f)} of ${say.of(f, true)} ${m.verb.past} ${m.object}${examples}${page.changeClause(change, say)}.`;
  },
  ledeMilestone(ms: NonNullable<YearFacts['milestone']>) {
    return r`It is the first time since measurements began in ${ms.since} that the share has reached ${fractionWords({ ...ms, approx: 'exact' }, 'en')}.`;
  },
  ledeRecord(rec: { since: number }) {
    return r`It is the highest share since measurements began in ${rec.since}.`;
  },
  ledeTop(f: Figure, say: Say) {
    const m = say.m(f.measure);
    const fraction = say.fraction(f);
    if (say.base(f) === 'users') return r`Among ${say.words.users}, the share that ${m.verb.past} ${m.object} was ${say.share(f)}.`;
    if (fraction) return cap(r`${fraction.words} enterprises ${m.verb.past} ${m.object}.`);
    return r`The share of enterprises that ${m.verb.past} ${m.object} was ${say.share(f)}.`;
  },

  typesHeading: (top: Figure, say: Say) => r`${say.m(top.measure).label}: the most used`,
  purposesHeading: (top: Figure, say: Say) => r`Used most for ${say.m(top.measure).noun}`,
  sizeComparison(large: Figure, all: Figure, say: Say) {
    const m = say.m(large.measure);
    return r`Among enterprises with ${say.size(large.size!)}, ${say.share(large)} ${m.verb.past} ${m.object}, compared with ${say.share(all)} of all enterprises.`;
  },
  sizeGradient(sizes: Figure[], say: Say) {
    const first = sizes[0]!;
    const last = sizes.at(-1)!;
    return r`The larger the enterprise, the higher the share: from ${say.share(first)} among those with ${say.size(first.size!)} to ${say.share(last)} among those with ${say.size(last.size!)}.`;
  },
  industrySame: (f: Figure, say: Say) => r`The share was the same in every industry, ${say.share(f)}.`,
  industryRanking(top: Figure[], bottom: Figure[], say: Say) {
    const at = (n: number) => (n === 2 ? 'both at' : n > 2 ? 'all at' : 'at');
    return r`By industry, the share was highest ${page.inIndustries(top, say)}, ${at(top.length)} ${say.share(top[0]!)}, and lowest ${page.inIndustries(bottom, say)}, ${at(bottom.length)} ${say.share(bottom[0]!)}.`;
  },
  industryLevels(groups: Figure[][], say: Say) {
    const m = say.m(groups[0]![0]!.measure);
    const [first, ...rest] = groups;
    const more = rest.map((g) => r`; ${page.inIndustries(g, say)}, ${say.share(g[0]!)}`);
    return cap(r`${page.inIndustries(first!, say)}, ${say.share(first![0]!)} ${m.verb.past} ${m.object}${more.flat()}.`);
  },
  industryBounds(bounds: Figure[], say: Say) {
    const m = say.m(bounds[0]!.measure);
    return cap(r`${page.inIndustries(bounds, say)}, ${say.share(bounds[0]!)} of enterprises ${m.verb.past} ${m.object}.`);
  },
  published({ gradient, topIndustry }: { gradient?: string[]; topIndustry?: string }, say: Say) {
    const parts: string[] = [];
    if (gradient) parts.push(`larger enterprises used every kind of ${say.words.topic} more than smaller ones`);
    if (topIndustry) parts.push(`the share was largest in ${say.industry(topIndustry)}`);
    return r`According to Statistics Norway, ${parts.join(', and ')}.`;
  },

  typeFirst(f: Figure, change: Change | null, say: Say) {
    const m = say.m(f.measure);
    return r`The share of ${say.of(f)} that ${m.verb.past} ${m.object}${m.examples ? `, such as ${m.examples},` : ''} was ${say.share(f)}${page.changeClause(change, say)}.`;
  },
  typeRest(figures: Figure[], say: Say) {
    const items = figures.map((f) => {
      const m = say.m(f.measure);
      return r`${say.share(f)} for ${m.noun}${m.examples ? ` (such as ${m.examples})` : ''}`;
    });
    return r`The share was ${list(items)}.`;
  },
  typeSizes(pairs: { large: Figure; all: Figure | null }[], say: Say) {
    const items = pairs.map(
      (p) =>
        r`${say.share(p.large)} ${say.m(p.large.measure).verb.past} ${say.m(p.large.measure).object}${p.all ? r` (compared with ${say.share(p.all)} of all enterprises)` : ''}`,
    );
    return r`Among enterprises with ${say.size(pairs[0]!.large.size!)}, ${list(items)}.`;
  },
  purposeFirst(f: Figure, change: Change | null, say: Say) {
    const m = say.m(f.measure);
    const lead = say.base(f) === 'users' ? `Among ${say.words.users}, the share` : `The share of ${say.of(f)}`;
    return r`${lead} that ${m.verb.past} ${m.object} was ${say.share(f)}${page.changeClause(change, say)}.`;
  },
  purposeRest(figures: Figure[], ranked: boolean, say: Say) {
    const items = list(figures.map((f) => r`${say.m(f.measure).noun} (${say.share(f)})`));
    return ranked ? r`Next came ${items}.` : r`Other purposes: ${items}.`;
  },
  policy(f: Figure, low: boolean, change: Change | null, say: Say) {
    const m = say.m(f.measure);
    return r`${low ? 'Only' : `In ${f.year},`} ${say.share(f)} of ${say.of(f, true)} ${m.verb.past} ${m.object}${page.changeClause(change, say)}.`;
  },

  keyFigure(f: Figure, say: Say) {
    const m = say.m(f.measure);
    const whose = !say.isAllSizes(f)
      ? `enterprises with ${say.size(f.size!)}`
      : !say.isTotal(f)
        ? `enterprises in ${say.industry(f.industry!)}`
        : say.of(f, true);
    return r`of ${whose} ${m.verb.past} ${m.object}`;
  },
};

/** Every language's sentences and page phrases: the shape of the English phrasebook, which text/norwegian.ts fills too. */
export type Phrasebook = typeof en;
