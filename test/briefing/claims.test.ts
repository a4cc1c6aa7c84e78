import { describe, expect, it } from 'vitest';
import { buildBriefing, type Briefing, type Claim, type Sentence } from '../../pipeline/briefing/content.js';
import { headlineYears } from '../../pipeline/briefing/facts.js';
import { Figures, seriesKey } from '../../pipeline/briefing/figures.js';
import { languages, type Dataset, type Definition } from '../../pipeline/briefing/model.js';
import { committed } from '../support/briefing-text.js';

/**
 * No fact is said without its precondition, in any edition of either briefing, in any language: a word that claims a
 * change, a first, a record or a superlative stands only in a sentence whose recorded facts are of that kind, and
 * every such fact holds when checked again against the data. Every figure printed is the value of the observation it
 * names, as running text rounds it.
 */

const lexicon: { kind: string; words: RegExp }[] = [
  { kind: 'milestone', words: /første gong|første gang|first time/i },
  { kind: 'record', words: /høgaste delen|høyeste andelen|highest share|rekord|record/i },
  { kind: 'change', words: /\b(opp|ned) (frå|fra)\b|\b(up|down) from\b|uendra|uendret|unchanged|^(Fleire|Flere|Færre|More|Fewer) /i },
  {
    kind: 'ranking',
    words: /\bhøgast\b|\bhøyest\b|\bhighest\b(?! share)|\blågast\b|\blavest\b|\blowest\b|mest brukt|most used|used most|deretter følg|next came/i,
  },
];

function sentencesOf(b: Briefing): Sentence[] {
  return [
    b.headline,
    ...b.lede,
    b.editionLine,
    ...b.keyFigures.flatMap((k) => [k.value, k.label, ...(k.change ? [k.change] : [])]),
    ...b.sections.flatMap((s) => [s.heading, ...s.paragraphs.flat()]),
    ...b.notes.map((n) => n.sentence),
  ];
}

function checkEdition(dataset: Dataset, definition: Definition, year: number, lang: (typeof languages)[number]): void {
  const figures = new Figures(dataset, definition);
  const b = buildBriefing(dataset, definition, year, lang);
  const claims = new Map<string, Claim>(b.claims.map((c) => [c.id, c]));
  const byId = new Map(dataset.observations.map((o) => [o.id, o]));
  const figureOf = (id: string) => [...figures.byKey.values()].find((f) => f.current.id === id || f.rows.some((r) => r.id === id));
  for (const sentence of sentencesOf(b)) {
    const claim = claims.get(sentence.claim)!;
    const where = `${year} ${lang} ${claim.where}: "${claim.text}"`;
    // SSB's own published statements are told as SSB's ("Ifølgje SSB …"): their words are SSB's, not ours.
    const published = claim.facts.some((f) => f.kind === 'published');
    for (const { kind, words } of lexicon) {
      if (words.test(claim.text) && !published && kind !== 'ranking')
        expect(
          claim.facts.map((f) => f.kind),
          where,
        ).toContain(kind);
      if (words.test(claim.text) && !published && kind === 'ranking')
        expect(
          claim.facts.some((f) => f.kind === 'ranking' && f.complete !== false),
          where,
        ).toBe(true);
    }
    for (const fact of claim.facts) {
      if (fact.kind === 'change') {
        const [from, to] = fact.observations.map((id) => figureOf(id)!);
        expect(seriesKey(from!.measure, from!.size, from!.industry, from!.classification), where).toBe(
          seriesKey(to!.measure, to!.size, to!.industry, to!.classification),
        );
        expect(from!.year < to!.year, where).toBe(true);
        const expected = figures.expectedYears(to!.measure, to!.classification);
        expect(
          expected.filter((y) => y > from!.year && y < to!.year),
          `${where}: a change skips a year the question was asked`,
        ).toEqual([]);
        expect(fact.points, where).toBe(Math.round(to!.current.value!) - Math.round(from!.current.value!));
      }
      if (fact.kind === 'milestone' || fact.kind === 'record') {
        const h = figureOf(fact.observations.at(-1)!) ?? b.facts.headline.figure;
        const series = figures.series(h.measure, h.size, h.industry, h.classification).filter((f) => f.year < year && f.current.value !== null);
        const expected = figures.expectedYears(h.measure, h.classification).filter((y) => y < year);
        expect(
          expected.every((y) => series.some((f) => f.year === y)),
          `${where}: a first or a record needs every earlier year`,
        ).toBe(true);
        expect(
          series.every((f) => Math.round(f.current.value!) < Math.round(b.facts.headline.value)),
          where,
        ).toBe(true);
      }
      if (fact.kind === 'ranking' && fact.complete) {
        const ranked = fact.observations.map((id) => byId.get(id)!);
        expect(
          ranked.every((o) => o.value !== null),
          where,
        ).toBe(true);
      }
    }
    for (const segment of sentence.text) {
      if (typeof segment !== 'object' || !('refs' in segment) || segment.refs.length !== 1) continue;
      const o = byId.get(segment.refs[0]!)!;
      expect(o, `${where}: a figure names an observation that isn't in the dataset`).toBeDefined();
      if (o.value !== null && Number.isFinite(segment.value)) expect(segment.value, where).toBe(o.value);
    }
  }
}

for (const name of ['sosiale-medium', 'kunstig-intelligens'] as const) {
  describe(`${name}: every sentence's precondition holds`, () => {
    const { dataset, definition } = committed(name);
    for (const year of headlineYears(new Figures(dataset, definition))) {
      it(`${year}`, () => {
        for (const lang of languages) checkEdition(dataset, definition, year, lang);
      });
    }
  });
}

describe('the facts the issue names', () => {
  const social = committed('sosiale-medium');
  const text = (year: number, lang: (typeof languages)[number]) =>
    buildBriefing(social.dataset, social.definition, year, lang)
      .claims.map((c) => c.text)
      .join('\n');

  it('says no "first time" while earlier years of the series are missing (2014–2016 have no "any social media")', () => {
    for (const year of [2014, 2016, 2017, 2019]) {
      for (const lang of languages) expect(text(year, lang)).not.toMatch(/første gong sidan 2013 at delen|first time since 2013 that the share/);
    }
  });

  it('compares 2019 with 2017, the last time the question was asked, and 2017 with nothing for "any social media"', () => {
    expect(text(2019, 'nn')).toContain('opp frå 72 prosent i 2017, då spørsmålet sist vart stilt');
    expect(text(2019, 'en')).toContain('up from 72 per cent in 2017, when the question was last asked');
    expect(text(2017, 'nn')).not.toMatch(/sosiale medium[^.]*opp frå 50 prosent/);
  });

  it('puts no superlative on 2 of the industries, and "most used" only where every type has a figure', () => {
    expect(text(2019, 'nn')).not.toMatch(/høgast blant næringane|Blant næringane var delen høgast/);
    expect(text(2014, 'nn')).not.toMatch(/mest brukt/);
    expect(text(2013, 'nn')).toMatch(/Sosiale nettverk er mest brukt/);
  });

  it('the AI briefing: 30 per cent in 2025, up from 21 in 2024, information and communication highest at 80, all industries excluding finance', () => {
    const ai = committed('kunstig-intelligens');
    const b = buildBriefing(ai.dataset, ai.definition, 2025, 'nn');
    const all = b.claims.map((c) => c.text).join('\n');
    expect(all).toContain(
      'I 2025 brukte 30 prosent av føretaka med minst ti sysselsette utanom finansnæringane kunstig intelligens, opp frå 21 prosent i 2024.',
    );
    expect(all).toContain('høgast i informasjon og kommunikasjon, med 80 prosent');
    expect(b.facts.population).toBe('Total-K');
    const en = buildBriefing(ai.dataset, ai.definition, 2025, 'en')
      .claims.map((c) => c.text)
      .join('\n');
    expect(en).toContain('outside the financial sector');
  });
});
