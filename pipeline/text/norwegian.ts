import { capitalise, fractionWords } from './format.js';
import type { PageWords } from './en-words.js';
import type { Phrasebook } from './en.js';
import { pagePhrases } from './phrasebook.js';
import { capitaliseRich as cap, joinRich, r, type Rich } from './rich.js';

/**
 * The Norwegian sentences, shared by Nynorsk (text/nn.ts) and Bokmål (text/nb.ts), which differ only in words. The seed
 * article (SSB, 2013) sets the tone: the year's figures in the past tense ("I 2019 brukte …"), headlines in the present.
 */
export type NorwegianWords = PageWords &
  Record<'enterprises' | 'theEnterprises' | 'share' | 'theIndustries' | 'highest' | 'higher' | 'highestAdv' | 'lowestAdv' | 'more' | 'More' | 'only', string> &
  Record<'them' | 'purpose' | 'same' | 'nextCame' | 'accordingTo' | 'measuredSince' | 'firstTime', string>;

export function norwegian(lang: 'nn' | 'nb', w: NorwegianWords): Phrasebook {
  const page = pagePhrases(lang, w);
  const list = (items: Rich[]) => joinRich(items, lang);

  return {
    ...page,
    lang,

    headlineFraction(f, say) {
      const { words } = say.fraction(f)!;
      const m = say.m(f.measure);
      return cap(r`${words} norske ${w.enterprises} ${m.verb.present} ${m.object}`);
    },
    headlineChange(c, say) {
      const m = say.m(c.to.measure);
      return r`${c.points > 0 ? w.More : 'Færre'} ${w.enterprises} ${m.verb.present} ${m.object}`;
    },
    headlineLevel(f, say) {
      const m = say.m(f.measure);
      return r`${capitalise(m.object)} er i bruk i ${say.share(f)} av norske ${w.enterprises}`;
    },
    ledeLevel(f, change, say) {
      const m = say.m(f.measure);
      const examples = m.examples && !change ? `, som ${m.examples}` : '';
      return r`I ${f.year} ${m.verb.past} ${say.share(f)} av ${say.of(f, true)} ${m.object}${examples}${page.changeClause(change, say)}.`;
    },
    ledeMilestone(ms) {
      return r`Det er ${w.firstTime} ${w.measuredSince} ${ms.since} at ${w.share} når ${fractionWords({ ...ms, approx: 'exact' }, lang)}.`;
    },
    ledeRecord(rec) {
      return r`Det er den ${w.highest} ${w.share} ${w.measuredSince} ${rec.since}.`;
    },
    ledeTop(f, say) {
      const m = say.m(f.measure);
      const fraction = say.fraction(f);
      if (say.base(f) === 'users') return r`Blant ${say.words.users}, ${m.verb.past} ${say.share(f)} ${m.object}.`;
      if (fraction) return cap(r`${fraction.words} ${w.enterprises} ${m.verb.past} ${m.object}.`);
      return cap(r`${say.share(f)} av ${w.theEnterprises} ${m.verb.past} ${m.object}.`);
    },

    typesHeading: (top, say) => r`${say.m(top.measure).label} er mest brukt`,
    purposesHeading: (top, say) => r`Mest brukt til ${say.m(top.measure).noun}`,
    sizeComparison(large, all, say) {
      const m = say.m(large.measure);
      return r`Blant ${w.theEnterprises} med ${say.size(large.size!)} ${m.verb.past} ${say.share(large)} ${m.object}, mot ${say.share(all)} av alle ${w.theEnterprises}.`;
    },
    sizeGradient(sizes, say) {
      const first = sizes[0]!;
      const last = sizes.at(-1)!;
      return r`Jo større ${w.theEnterprises} var, desto ${w.higher} var ${w.share}: ${w.from} ${say.share(first)} blant ${w.them} med ${say.size(first.size!)} til ${say.share(last)} blant ${w.them} med ${say.size(last.size!)}.`;
    },
    industrySame: (f, say) => r`${capitalise(w.share)} var den ${w.same} i alle ${w.theIndustries}, ${say.share(f)}.`,
    industryRanking(top, bottom, say) {
      const with_ = (n: number) => (n === 2 ? 'begge med' : n > 2 ? 'alle med' : 'med');
      return r`Blant ${w.theIndustries} var ${w.share} ${w.highestAdv} ${page.inIndustries(top, say)}, ${with_(top.length)} ${say.share(top[0]!)}, og ${w.lowestAdv} ${page.inIndustries(bottom, say)}, ${with_(bottom.length)} ${say.share(bottom[0]!)}.`;
    },
    industryLevels(groups, say) {
      const m = say.m(groups[0]![0]!.measure);
      const [first, ...rest] = groups;
      const more = rest.map((g) => r`, ${page.inIndustries(g, say)} ${say.share(g[0]!)}`);
      return cap(r`${page.inIndustries(first!, say)} ${m.verb.past} ${say.share(first![0]!)} ${m.object}${more.flat()}.`);
    },
    industryBounds(bounds, say) {
      const m = say.m(bounds[0]!.measure);
      return cap(r`${page.inIndustries(bounds, say)} ${m.verb.past} ${say.share(bounds[0]!)} av ${w.theEnterprises} ${m.object}.`);
    },
    published({ gradient, topIndustry }, say) {
      const parts: string[] = [];
      if (gradient) parts.push(`brukte større ${w.enterprises} alle former for ${say.words.topic} ${w.more} enn mindre ${w.enterprises}`);
      if (topIndustry) parts.push(`${gradient ? `${w.share} var` : `var ${w.share}`} størst i ${say.industry(topIndustry)}`);
      return r`${w.accordingTo} SSB ${parts.join(', og ')}.`;
    },

    typeFirst(f, change, say) {
      const m = say.m(f.measure);
      return cap(r`${say.share(f)} av ${say.of(f)} ${m.verb.past} ${m.object}${m.examples ? `, som ${m.examples}` : ''}${page.changeClause(change, say)}.`);
    },
    typeRest(figures, say) {
      const items = figures.map((f) => {
        const m = say.m(f.measure);
        return r`${say.share(f)} ${m.verb.past} ${m.object}${m.examples ? ` (som ${m.examples})` : ''}`;
      });
      return cap(r`${list(items)}.`);
    },
    typeSizes(pairs, say) {
      const items = pairs.map(
        (p) => r`${say.share(p.large)} ${say.m(p.large.measure).object}${p.all ? r` (mot ${say.share(p.all)} av alle ${w.theEnterprises})` : ''}`,
      );
      return r`Blant ${w.theEnterprises} med ${say.size(pairs[0]!.large.size!)} ${say.m(pairs[0]!.large.measure).verb.past} ${list(items)}.`;
    },
    purposeFirst(f, change, say) {
      const m = say.m(f.measure);
      return cap(r`${say.share(f)} av ${say.of(f)} ${m.verb.past} ${m.object}${page.changeClause(change, say)}.`);
    },
    purposeRest(figures, ranked, say) {
      const items = list(figures.map((f) => r`${say.m(f.measure).noun} (${say.share(f)})`));
      return ranked ? r`${w.nextCame} ${items}.` : r`Andre ${w.purpose}: ${items}.`;
    },
    policy(f, low, change, say) {
      const m = say.m(f.measure);
      return cap(r`${low ? `${w.only} ` : ''}${say.share(f)} av ${say.of(f, true)} ${m.verb.past} ${m.object}${page.changeClause(change, say)}.`);
    },

    keyFigure(f, say) {
      const m = say.m(f.measure);
      const whose = !say.isAllSizes(f)
        ? `${w.theEnterprises} med ${say.size(f.size!)}`
        : !say.isTotal(f)
          ? `${w.theEnterprises} i ${say.industry(f.industry!)}`
          : say.of(f, true);
      return r`av ${whose} ${m.verb.past} ${m.object}`;
    },
  };
}
