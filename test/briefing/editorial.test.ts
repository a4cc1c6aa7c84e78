import { describe, expect, test } from 'vitest';
import { buildBriefing, type Briefing } from '../../pipeline/briefing/content.js';
import type { Dataset, Observation } from '../../pipeline/store/dataset.js';
import type { Lang } from '../../pipeline/text/format.js';
import { committedDataset, datasetWith } from '../support/dataset.js';

/**
 * The editorial text: headline and lede say the edition's most newsworthy fact (pipeline/news.ts) in correct
 * Nynorsk, Bokmål and English; changes are in percentage points between the shares as printed; footnotes explain
 * revisions, missing figures and the series break; the "Om statistikken" box says where the figures come from.
 */

const all = (b: Briefing) =>
  [b.headline, b.lede, ...b.sections.flatMap((s) => [s.heading, ...s.paragraphs.map((p) => p.map((x) => (typeof x === 'string' ? x : `[${x.note}]`)).join(''))]), ...b.notes.map((n) => n.text)].join('\n');

const dataset = committedDataset();

/** An observation for all enterprises and industries, SN2007, as the committed dataset's rows are. */
function obs(measure: string, year: number, value: number | null, extra: Partial<Observation> = {}): Observation {
  return {
    measure, year, sizeClass: '00', industry: 'Total+K', value, status: value === null ? '..' : null, unit: 'percent', series: 'SN2007',
    table: null, source: 'https://www.ssb.no/teknologi-og-innovasjon/statistikker/iktbrukn', published: null, revision: 0, ...extra,
  };
}
const only = (observations: Observation[]): Dataset => ({ ...dataset, tables: {}, observations });

describe('headline and lede of the 2013, 2017 and 2019 editions', () => {
  const expected: Record<number, Record<Lang, [string, string]>> = {
    2013: {
      nn: ['Eitt av to norske føretak bruker sosiale medium', 'I 2013 brukte 50 prosent av føretaka med minst ti sysselsette sosiale medium. Om lag tre av ti føretak (31 prosent) bruker sosiale medium til marknadsføring av produkt eller til å byggje biletet av føretaket.'],
      nb: ['Ett av to norske foretak bruker sosiale medier', 'I 2013 brukte 50 prosent av foretakene med minst ti sysselsatte sosiale medier. Om lag tre av ti foretak (31 prosent) bruker sosiale medier til markedsføring av produkter eller til å bygge bedriftens omdømme.'],
      en: ['One in two Norwegian enterprises uses social media', "In 2013, 50 per cent of enterprises with at least ten persons employed used social media. About three in ten enterprises (31 per cent) use social media for marketing products or building the enterprise's image."],
    },
    2017: {
      nn: ['Over sju av ti norske føretak bruker no sosiale medium', 'I 2017 brukte 72 prosent av føretaka med minst ti sysselsette sosiale medium, opp 22 prosentpoeng frå 50 prosent i 2013. Det er første gong sidan 2013 at delen er over sju av ti.'],
      nb: ['Over sju av ti norske foretak bruker nå sosiale medier', 'I 2017 brukte 72 prosent av foretakene med minst ti sysselsatte sosiale medier, opp 22 prosentpoeng fra 50 prosent i 2013. Det er første gang siden 2013 at andelen er over sju av ti.'],
      en: ['More than seven in ten Norwegian enterprises now use social media', 'In 2017, 72 per cent of enterprises with at least ten persons employed used social media, up 22 percentage points from 50 per cent in 2013. It is the first time since 2013 that the share is more than seven in ten.'],
    },
    2019: {
      nn: ['Over tre av fire norske føretak bruker no sosiale medium', 'I 2019 brukte 76 prosent av føretaka med minst ti sysselsette sosiale medium, opp 4 prosentpoeng frå 72 prosent i 2017. Det er første gong sidan 2013 at delen er over tre av fire.'],
      nb: ['Over tre av fire norske foretak bruker nå sosiale medier', 'I 2019 brukte 76 prosent av foretakene med minst ti sysselsatte sosiale medier, opp 4 prosentpoeng fra 72 prosent i 2017. Det er første gang siden 2013 at andelen er over tre av fire.'],
      en: ['More than three in four Norwegian enterprises now use social media', 'In 2019, 76 per cent of enterprises with at least ten persons employed used social media, up 4 percentage points from 72 per cent in 2017. It is the first time since 2013 that the share is more than three in four.'],
    },
  };
  for (const [year, byLang] of Object.entries(expected)) {
    test.each(Object.entries(byLang))(`${year} %s`, (lang, [headline, lede]) => {
      const b = buildBriefing(dataset, Number(year), lang as Lang);
      expect(b.headline).toBe(headline);
      expect(b.lede).toBe(lede);
    });
  }

  test.each([
    ['nn', 'Sosiale nettverk, som Facebook og LinkedIn, er tekne i bruk av 71 prosent av føretaka, opp 4 prosentpoeng frå 67 prosent i 2016.', 'Opp 22 prosentpoeng frå 2013'],
    ['nb', 'Sosiale nettverk, som Facebook og LinkedIn, er tatt i bruk av 71 prosent av foretakene, opp 4 prosentpoeng fra 67 prosent i 2016.', 'Opp 22 prosentpoeng fra 2013'],
    ['en', 'Social networks such as Facebook and LinkedIn are used by 71 per cent of enterprises, up 4 percentage points from 67 per cent in 2016.', 'Up 22 percentage points from 2013'],
  ] as const)('2017 %s: the types section and the key figure say the change', (lang, sentence, change) => {
    const b = buildBriefing(dataset, 2017, lang);
    expect(all(b)).toContain(sentence);
    expect(b.keyFigures[0]).toMatchObject({ value: '72\u00a0%', change });
  });

  test('2019 sections in each language', () => {
    expect(all(buildBriefing(dataset, 2019, 'nn'))).toContain('Blant næringane er delen som bruker sosiale medium, høgast i handel med og reparasjon av motorvogner og i informasjon og kommunikasjon, begge med 92 prosent.');
    expect(all(buildBriefing(dataset, 2019, 'nb'))).toContain('Blant næringene er andelen som bruker sosiale medier, høyest i handel med og reparasjon av motorvogner og i informasjon og kommunikasjon, begge med 92 prosent.');
    expect(all(buildBriefing(dataset, 2019, 'en'))).toContain(
      'Among enterprises with at least 100 persons employed, 85 per cent use social networks and 26 per cent use blogs or microblogs, against 76 and 10 per cent of all enterprises.',
    );
    expect(buildBriefing(dataset, 2019, 'en').keyFigures.map((k) => k.label)).toContain('of enterprises in trade and repair of motor vehicles use social media');
  });
});

describe('the news the headline leads with', () => {
  test('a milestone: the share passes half for the first time', () => {
    expect(buildBriefing(dataset, 2014, 'nn').headline).toBe('Over halvparten av norske føretak bruker no sosiale nettverk');
    expect(buildBriefing(dataset, 2014, 'en').headline).toBe('More than half of Norwegian enterprises now use social networks');
    expect(buildBriefing(dataset, 2014, 'nb').lede).toContain('Det er første gang siden 2013 at andelen er over halvparten.');
  });

  test('a milestone reached exactly: two in three', () => {
    expect(buildBriefing(dataset, 2016, 'nn').headline).toBe('To av tre norske føretak bruker no sosiale nettverk');
    expect(buildBriefing(dataset, 2016, 'en').lede).toContain('It is the first time since 2013 that the share reaches two in three.');
  });

  test('the largest change in percentage points, with the figure and the year compared with', () => {
    const nn = buildBriefing(dataset, 2015, 'nn');
    expect(nn.headline).toBe('Fleire føretak bruker sosiale medium til marknadsføring – opp 20 prosentpoeng frå 2013');
    expect(nn.lede).toBe(
      'I 2015 brukte 59 prosent av føretaka med minst ti sysselsette sosiale nettverk, opp 8 prosentpoeng frå 51 prosent i 2014. ' +
        'Størst er auken i bruken av sosiale medium til marknadsføring: 51 prosent av føretaka, opp 20 prosentpoeng frå 31 prosent i 2013.',
    );
    expect(buildBriefing(dataset, 2015, 'nb').headline).toBe('Flere foretak bruker sosiale medier til markedsføring – opp 20 prosentpoeng fra 2013');
    expect(buildBriefing(dataset, 2015, 'en').headline).toBe('More enterprises use social media for marketing – up 20 percentage points from 2013');
  });

  test('a fall is said as a fall', () => {
    const ds = only([obs('any_social_media', 2017, 72), obs('any_social_media', 2019, 73), obs('wikis', 2017, 12), obs('wikis', 2019, 5)]);
    const b = buildBriefing(ds, 2019, 'nn');
    expect(b.headline).toBe('Færre føretak bruker wikiar – ned 7 prosentpoeng frå 2017');
    expect(b.lede).toContain('Størst er nedgangen i bruken av wikiar: 5 prosent av føretaka, ned 7 prosentpoeng frå 12 prosent i 2017.');
    expect(buildBriefing(ds, 2019, 'en').headline).toBe('Fewer enterprises use wikis – down 7 percentage points from 2017');
  });

  test('a record when nothing else stands out', () => {
    const ds = only([obs('any_social_media', 2013, 52), obs('any_social_media', 2015, 53), obs('any_social_media', 2017, 55)]);
    expect(buildBriefing(ds, 2017, 'nn').headline).toBe('Rekordmange norske føretak bruker sosiale medium: 55 prosent');
    expect(buildBriefing(ds, 2017, 'nn').lede).toBe(
      'I 2017 brukte 55 prosent av føretaka med minst ti sysselsette sosiale medium, opp 2 prosentpoeng frå 53 prosent i 2015. Det er den høgaste delen i perioden 2013–2017.',
    );
    expect(buildBriefing(ds, 2017, 'en').headline).toBe('A record 55 per cent of Norwegian enterprises use social media');
  });

  test('otherwise the share itself, in words where a fraction fits', () => {
    const ds = only([obs('any_social_media', 2015, 73), obs('any_social_media', 2017, 72)]);
    expect(buildBriefing(ds, 2017, 'nn').headline).toBe('72 prosent av norske føretak bruker sosiale medium');
    expect(buildBriefing(ds, 2017, 'nn').lede).toBe('I 2017 brukte 72 prosent av føretaka med minst ti sysselsette sosiale medium, ned 1 prosentpoeng frå 73 prosent i 2015.');
    expect(buildBriefing(ds, 2017, 'en').lede).toContain('down 1 percentage point from 73 per cent in 2015');
  });

  test('shares and changes are rounded once, so the sentence adds up', () => {
    const ds = only([obs('any_social_media', 2017, 71.4), obs('any_social_media', 2019, 75.6)]);
    const b = buildBriefing(ds, 2019, 'nn');
    expect(b.lede).toContain('brukte 76 prosent av føretaka med minst ti sysselsette sosiale medium, opp 5 prosentpoeng frå 71 prosent i 2017.');
    expect(b.headline).toBe('Over tre av fire norske føretak bruker no sosiale medium');
    expect(b.keyFigures[0]!.value).toBe('75,6\u00a0%');
  });
});

describe('a figure missing for a year changes the text', () => {
  test('without 2017, the 2019 share is compared with 2013', () => {
    const ds = datasetWith((o) => o.filter((x) => !(x.year === 2017 && x.measure === 'any_social_media')));
    const b = buildBriefing(ds, 2019, 'nn');
    expect(b.lede).toContain('opp 26 prosentpoeng frå 50 prosent i 2013');
    expect(b.keyFigures[0]!.change).toBe('Opp 26 prosentpoeng frå 2013');
  });

  test('without the 2019 share of any social media, the headline is about social networks', () => {
    const ds = datasetWith((o) => o.filter((x) => !(x.year === 2019 && x.measure === 'any_social_media')));
    const b = buildBriefing(ds, 2019, 'nb');
    expect(b.headline).toBe('Over tre av fire norske foretak bruker nå sosiale nettverk');
    expect(b.lede).toContain('I 2019 brukte 76 prosent av foretakene med minst ti sysselsatte sosiale nettverk, opp 5 prosentpoeng fra 71 prosent i 2017.');
  });

  test('a figure SSB marks as confidential is footnoted with its symbol and left out of the text', () => {
    const ds = datasetWith((o) => o.map((x) => (x.year === 2019 && x.industry === '45' ? { ...x, value: null, status: ':' } : x)));
    const b = buildBriefing(ds, 2019, 'en');
    expect(all(b)).not.toContain('trade and repair of motor vehicles, both');
    expect(all(b)).toContain('By industry, the share using social media is highest in information and communication, at 92 per cent.');
    expect(b.notes.map((n) => n.text)).toContain('Any social media, trade and repair of motor vehicles 2019: not published (:, suppressed for confidentiality).');
  });
});

describe('footnotes', () => {
  test('a revised figure: where it is said, and what it was first', () => {
    const b = buildBriefing(dataset, 2013, 'nb');
    expect(all(b)).toContain('44 prosent av foretakene.[1]');
    expect(b.notes[0]!.text).toBe('Sosiale nettverk 2013: først publisert som 45 prosent, senere revidert til 44 prosent.');
  });

  test('a revision of a figure the text does not mention is still footnoted', () => {
    const ds = datasetWith((o) => [...o, { ...o.find((x) => x.measure === 'any_social_media' && x.year === 2013 && x.sizeClass === '05')!, value: 61, revision: 1 }]);
    expect(buildBriefing(ds, 2013, 'en').notes.map((n) => n.text)).toContain('Any social media 2013: first published as 60 per cent, later revised to 61 per cent.');
  });

  test('the series break is explained once there are SN2025 figures', () => {
    const ds = datasetWith((o) => [...o, obs('any_social_media', 2026, 85, { series: 'SN2025', table: '14933' })]);
    expect(buildBriefing(ds, 2019, 'nn').notes.map((n) => n.text)).toContain(
      'Frå 2026 byggjer tala på ny næringsgruppering (SN2025). Tal frå før og etter bytet er ikkje samanlikna her.',
    );
    const b2026 = buildBriefing(ds, 2026, 'nn');
    expect(b2026.series).toBe('SN2025');
    expect(b2026.headline).toBe('85 prosent av norske føretak bruker sosiale medium');
    expect(b2026.lede).not.toContain('2019');
    expect(b2026.about.sources[0]!.label).toBe('Tabell 14933');
  });
});

describe('the "Om statistikken" box', () => {
  test('without source tables: coverage, the articles with their dates, the statistic\'s page', () => {
    const { about } = buildBriefing(dataset, 2013, 'nn');
    expect(about.paragraphs[0]).toBe('Tala kjem frå SSB si undersøking Bruk av IKT i næringslivet for 2013. Undersøkinga omfattar føretak med minst ti sysselsette, og referansemånaden er januar.');
    expect(about.sources[0]).toEqual({ label: 'Artikkel på ssb.no, publisert 1. oktober 2013', detail: null, url: 'http://ssb.no/teknologi-og-innovasjon/statistikker/iktbrukn', notes: [] });
    expect(about.statisticUrl).toBe('https://www.ssb.no/teknologi-og-innovasjon/statistikker/iktbrukn');
    expect(about.nextRelease).toBeNull();
    expect(about.changes).toBeNull();
  });

  test('with source tables: each table, its update time in Oslo time, its notes and its StatBank page', () => {
    const ds: Dataset = {
      ...dataset,
      tables: { '10977': { id: '10977', series: 'SN2007', label: 'Bruk av sosiale medium (SN2007)', updated: '2025-08-20T06:00:00Z', fetchedAt: '2025-08-21T00:00:00Z', notes: ['Tal for 2014 er reviderte.'] } },
      observations: dataset.observations.map((o) => (o.year === 2019 ? { ...o, table: '10977' } : o)),
    };
    const sources = buildBriefing(ds, 2019, 'nn').about.sources;
    expect(sources[0]).toEqual(
      { label: 'Tabell 10977: Bruk av sosiale medium (SN2007)', detail: 'sist oppdatert 20. august 2025 kl. 08:00', url: 'https://www.ssb.no/statbank/table/10977', notes: ['Tal for 2014 er reviderte.'] },
    );
    // The trend chart also draws earlier years, from articles: they are sources too.
    expect(sources.slice(1).map((s) => s.label)).toEqual(['Artikkel på ssb.no, publisert 1. oktober 2013', 'Artikkel på ssb.no', 'Artikkel på ssb.no', 'Artikkel på ssb.no, publisert 11. september 2015']);
    expect(buildBriefing(ds, 2019, 'en').about.sources[0]).toMatchObject({ detail: 'last updated 20 August 2025, 08:00', url: 'https://www.ssb.no/en/statbank/table/10977' });
  });

  test('the next release and what changed since the last edition, only when given', () => {
    const context = {
      nextRelease: { date: '2026-09-12', link: 'https://www.ssb.no/teknologi-og-innovasjon/statistikker/iktbrukn' },
      changes: { added: 3, revised: [{ measure: 'social_networks', year: 2013, sizeClass: '00', industry: 'Total+K', before: 45, after: 44 }], withdrawn: 0 },
    };
    const nn = buildBriefing(dataset, 2013, 'nn', context).about;
    expect(nn.nextRelease).toEqual({ text: 'Neste oppdatering: 12. september 2026', url: context.nextRelease.link });
    expect(nn.changes).toEqual({ heading: 'Endringar sidan førre utgåve', summary: '3 nye tal og 1 revidert tal.', items: ['Sosiale nettverk 2013: frå 45 prosent til 44 prosent'] });
    const en = buildBriefing(dataset, 2013, 'en', { changes: { added: 0, revised: [], withdrawn: 2 } }).about;
    expect(en.changes?.summary).toBe('2 figures withdrawn.');
    expect(en.nextRelease).toBeNull();
    expect(buildBriefing(dataset, 2013, 'nb', { changes: { added: 0, revised: [], withdrawn: 0 } }).about.changes?.summary).toBe('Ingen tall er endret siden forrige utgave.');
  });

  test('a link that is not http(s) is never made a link', () => {
    const ds = datasetWith((o) => o.map((x) => (x.year === 2019 ? { ...x, source: 'javascript:alert(1)' } : x)));
    const b = buildBriefing(ds, 2019, 'nn', { nextRelease: { date: '2026-09-12', link: 'javascript:alert(2)' } });
    expect(b.about.sources[0]).toMatchObject({ label: 'Artikkel på ssb.no', url: null });
    expect(b.about.sources.map((s) => s.url).filter((u) => u !== null && !u.startsWith('http'))).toEqual([]);
    expect(b.about.nextRelease?.url).toBeNull();
  });
});
