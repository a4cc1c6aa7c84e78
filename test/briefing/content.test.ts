import { describe, expect, test } from 'vitest';
import { buildBriefing, type Briefing } from '../../pipeline/briefing/content.js';
import { deriveFacts, latestYear } from '../../pipeline/briefing/facts.js';
import { NoDataError } from '../../pipeline/errors.js';
import { fractionWords, shareAsFraction } from '../../pipeline/text/format.js';
import { committedDataset, datasetWith } from '../support/dataset.js';

const text = (b: Briefing) =>
  [b.headline, b.lede, ...b.sections.flatMap((s) => [s.heading, ...s.paragraphs.map((p) => p.map((x) => (typeof x === 'string' ? x : `[${x.note}]`)).join(''))]), ...b.notes.map((n) => n.text)].join('\n');

describe('the 2013 Nynorsk briefing tells the seed article\'s story', () => {
  const b = buildBriefing(committedDataset(), 2013, 'nn');
  const all = text(b);

  test('headline and lede', () => {
    expect(b.headline).toBe('Eitt av to norske føretak bruker sosiale medium');
    expect(b.lede).toContain('I 2013 brukte 50 prosent av føretaka med minst ti sysselsette sosiale medium.');
    expect(b.lede).toContain('tre av ti føretak (31 prosent) bruker sosiale medium til marknadsføring');
  });

  test('the largest enterprises, the types, the purposes and the policy', () => {
    expect(all).toContain('Blant føretaka med minst 100 sysselsette bruker 60 prosent sosiale medium, mot 50 prosent av alle føretaka.');
    expect(all).toContain('12 prosent bruker nettsider for deling av multimedieinnhald');
    expect(all).toContain('9 prosent bruker bloggar eller mikrobloggar');
    expect(all).toContain('5 prosent bruker wikiar');
    for (const share of ['rekruttering av tilsette (24 prosent)', '(22 prosent)', '(18 prosent)', '(13 prosent)', '(12 prosent)']) {
      expect(all).toContain(share);
    }
    expect(all).toContain('Berre 18 prosent av føretaka svarer at dei har ein formell politikk');
    expect(b.sections.map((s) => s.id)).toEqual(['size', 'types', 'purposes', 'policy']);
  });

  test('every figure of the seed article is in the text', () => {
    for (const figure of [50, 60, 12, 9, 5, 31, 24, 22, 18, 13, 12, 18]) expect(all).toMatch(new RegExp(`\\b${figure} prosent`));
  });

  test('the revised 2013 social-network figure shows the revision as a note', () => {
    expect(all).toContain('44 prosent av føretaka.[1]');
    expect(b.notes[0]!.text).toBe('Sosiale nettverk 2013: først publisert som 45 prosent, seinare revidert til 44 prosent.');
  });

  test('key figures come from the data', () => {
    expect(b.keyFigures.map((k) => k.value)).toEqual(['50\u00a0%', '60\u00a0%', '18\u00a0%']);
  });
});

describe('the latest year', () => {
  const dataset = committedDataset();

  test('is the default year and compares with the previous year that has the measure', () => {
    expect(latestYear(dataset)).toBe(2019);
    const b = buildBriefing(dataset, 2019, 'nn');
    expect(b.headline).toBe('Over tre av fire norske føretak bruker no sosiale medium');
    expect(b.lede).toBe(
      'I 2019 brukte 76 prosent av føretaka med minst ti sysselsette sosiale medium, opp 4 prosentpoeng frå 72 prosent i 2017. ' +
        'Det er første gong sidan 2013 at delen er over tre av fire.',
    );
    expect(text(b)).toContain('høgast i handel med og reparasjon av motorvogner og i informasjon og kommunikasjon, begge med 92 prosent');
  });

  test('sections without figures for the year are left out, never filled with zeros', () => {
    const b = buildBriefing(dataset, 2019, 'nn');
    expect(b.sections.map((s) => s.id)).toEqual(['size', 'types']);
    expect(text(b)).not.toMatch(/\b0 prosent/);
  });
});

describe('missing figures', () => {
  test('a year without a policy figure has no policy section', () => {
    const ds = datasetWith((obs) => obs.filter((o) => !(o.measure === 'formal_policy' && o.year === 2013)));
    const b = buildBriefing(ds, 2013, 'nn');
    expect(b.sections.map((s) => s.id)).not.toContain('policy');
    expect(b.keyFigures.map((k) => k.label)).not.toContain('har ein formell politikk for sosiale medium');
  });

  test('a figure SSB marks as missing keeps its symbol, is explained in a note, and is not said as 0', () => {
    const ds = datasetWith((obs) =>
      obs.map((o) => (o.measure === 'wikis' && o.year === 2013 ? { ...o, value: null, status: '..' } : o)),
    );
    const b = buildBriefing(ds, 2013, 'nn');
    const all = text(b);
    expect(all).not.toContain('wikiar for å dele kunnskap');
    expect(all).toContain('Wikiar 2013: ikkje publisert (.., talgrunnlag manglar eller er for usikkert).');
    expect(all).not.toMatch(/\b0 prosent/);
  });

  test('a purpose figure missing changes the purpose text', () => {
    const ds = datasetWith((obs) => obs.filter((o) => !(o.measure === 'purpose_recruitment' && o.year === 2013)));
    const all = text(buildBriefing(ds, 2013, 'nn'));
    expect(all).not.toContain('rekruttering');
    expect(all).toContain('Deretter følgjer å innhente eller svare på synspunkt og spørsmål frå kundar (22 prosent)');
  });

  test('a year with no figures is a NoDataError listing the years there are', () => {
    expect(() => deriveFacts(committedDataset(), 2011)).toThrow(NoDataError);
    expect(() => deriveFacts(committedDataset(), 2011)).toThrow(/no figures for 2011\. Years with figures: 2013, 2014, 2015, 2016, 2017, 2019/);
  });
});

describe('wording in each language', () => {
  const dataset = committedDataset();
  test.each([
    ['nn', 'Eitt av to norske føretak bruker sosiale medium', 'Berre 18 prosent av føretaka'],
    ['nb', 'Ett av to norske foretak bruker sosiale medier', 'Bare 18 prosent av foretakene'],
    ['en', 'One in two Norwegian enterprises uses social media', 'Only 18 per cent of enterprises'],
  ] as const)('%s', (lang, headline, policy) => {
    const b = buildBriefing(dataset, 2013, lang);
    expect(b.headline).toBe(headline);
    expect(text(b)).toContain(policy);
  });

  test('English lede and comparison', () => {
    const b = buildBriefing(dataset, 2019, 'en');
    expect(b.lede).toBe(
      'In 2019, 76 per cent of enterprises with at least ten persons employed used social media, up 4 percentage points from 72 per cent in 2017. ' +
        'It is the first time since 2013 that the share is more than three in four.',
    );
  });

  test('Bokmål comparison and size wording', () => {
    const all = text(buildBriefing(dataset, 2019, 'nb'));
    expect(all).toContain('Blant foretakene med minst 100 sysselsatte bruker 85 prosent sosiale nettverk og 26 prosent blogger eller mikroblogger, mot 76 og 10 prosent av alle foretakene.');
  });
});

describe('shares as fractions', () => {
  test.each([
    [50, 'nn', 'eitt av to'],
    [30, 'nn', 'tre av ti'],
    [31, 'nn', 'om lag tre av ti'],
    [75, 'nb', 'tre av fire'],
    [76, 'en', 'about three in four'],
    [67, 'nn', 'to av tre'],
    [66, 'nn', 'om lag to av tre'],
    [70, 'nn', 'sju av ti'],
  ] as const)('%d per cent in %s is "%s"', (value, lang, words) => {
    expect(fractionWords(shareAsFraction(value)!, lang)).toBe(words);
  });

  test.each([72, 22, 12, 5, 92, 85])('%d per cent is said as a number', (value) => {
    expect(shareAsFraction(value)).toBeNull();
  });
});
