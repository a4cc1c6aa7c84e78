import type { Figure } from './facts.js';
import { capitalise, formatNumber, formatPercent, fractionWords, joinList, shareAsFraction, type Lang } from './lang.js';
import { industryText, measureText, sizeClassText } from './labels.js';

/**
 * The briefing's sentences, one phrasebook per language. Each function takes figures and returns text; none
 * invents a number. Shares are said as fractions where the rounded share allows it ("eitt av to"), and the exact
 * percentage is then given beside the words in running text.
 */
export interface Phrasebook {
  kicker(year: number): string;
  title(year: number): string;
  headline(f: Figure): string;
  lede(f: Figure, topPurpose: Figure | undefined): string;
  keyHeadline(f: Figure): string;
  keySize(f: Figure): string;
  keyPurpose(f: Figure): string;
  keyPolicy(): string;
  keyIndustry(f: Figure): string;
  sizeHeading(largerUseMore: boolean): string;
  sizeSentence(items: SizeItem[]): string;
  industrySentence(top: Figure[], others: Figure[]): string;
  typesHeading(top: Figure): string;
  typesFirst(top: Figure): string;
  typesRest(rest: Figure[]): string;
  purposesHeading(top: Figure): string;
  purposesFirst(top: Figure): string;
  purposesRest(rest: Figure[]): string;
  policyHeading(low: boolean): string;
  policySentence(f: Figure, low: boolean): string;
  policyReading(): string;
  revisionNote(name: string, year: number, from: string, to: string): string;
  missingNote(name: string, symbol: string, meaning: string): string;
  seriesBreakNote(): string;
  statusMeanings: Record<string, string>;
  ui: UiText;
}

export interface UiText {
  source: string;
  sourceTable: (table: string) => string;
  page: string;
  of: string;
  keyFigures: string;
  notes: string;
  about: string;
  aboutText: (year: number) => string[];
  aboutSources: string;
  readMore: string;
  published: string;
  percent: string;
  year: string;
  chartData: string;
  appendix: string;
  generated: string;
}

const pct = formatPercent;

/** "opp frå 72 prosent i 2017" etc. Empty when there is nothing to compare with. */
function changeClause(f: Figure, lang: Lang): string {
  if (!f.previous || f.value === null) return '';
  const { year, value } = f.previous;
  const words = {
    nn: { up: 'opp frå', down: 'ned frå', same: 'same del som i' },
    nb: { up: 'opp fra', down: 'ned fra', same: 'samme andel som i' },
    en: { up: 'up from', down: 'down from', same: 'the same share as in' },
  }[lang];
  if (f.value === value) return `, ${words.same} ${year}`;
  return `, ${f.value > value ? words.up : words.down} ${pct(value, lang)} ${lang === 'en' ? 'in' : 'i'} ${year}`;
}

/** "Om lag tre av ti føretak (31 prosent)" or "22 prosent av føretaka", as a sentence subject. */
function shareSubject(value: number, lang: Lang): string {
  const fraction = shareAsFraction(value);
  const noun = { nn: 'føretak', nb: 'foretak', en: 'enterprises' }[lang];
  const ofThem = { nn: 'av føretaka', nb: 'av foretakene', en: 'of enterprises' }[lang];
  if (fraction) return capitalise(`${fractionWords(fraction, lang)} ${noun} (${pct(value, lang)})`);
  return `${pct(value, lang)} ${ofThem}`;
}

/**
 * The measure's object with its examples: after a comma on first mention ("sosiale nettverk, som Facebook og
 * LinkedIn,"), in parentheses inside a list, where commas would blur the items.
 */
function withExamples(measure: string, lang: Lang, style: ', ' | ' ' | 'parens'): string {
  const { object, examples } = measureText(measure, lang);
  if (!examples) return object;
  const such = lang === 'en' ? 'such as' : 'som';
  if (style === 'parens') return `${object} (${such} ${examples})`;
  return style === ', ' ? `${object}, ${such} ${examples},` : `${object} ${such} ${examples}`;
}

/** "85 prosent sosiale nettverk og 26 prosent bloggar", and the all-enterprise figures "76 og 10 prosent". */
function sizeParts(items: SizeItem[], lang: Lang): { uses: string; totals: string | null } {
  const uses = joinList(items.map((i) => `${pct(valueOf(i.figure), lang)} ${measureText(i.figure.measure, lang).object}`), lang);
  if (items.some((i) => i.total?.value == null)) return { uses, totals: null };
  const numbers = items.map((i) => i.total!.value!);
  const unit = lang === 'en' ? 'per cent' : 'prosent';
  const totals = numbers.length === 1 ? pct(numbers[0]!, lang) : `${joinList(numbers.map((n) => formatNumber(n, lang, Number.isInteger(n) ? 0 : 1)), lang)} ${unit}`;
  return { uses, totals };
}

export type SizeItem = { figure: Figure; total: Figure | null };

function valueOf(f: Figure): number {
  return f.value ?? Number.NaN;
}

const nn: Phrasebook = {
  kicker: (year) => `Bruk av IKT i næringslivet ${year}`,
  title: (year) => `Sosiale medium i norske føretak ${year}`,
  headline(f) {
    const fraction = shareAsFraction(valueOf(f));
    const object = measureText(f.measure, 'nn').object;
    if (fraction) return capitalise(`${fractionWords(fraction, 'nn')} norske føretak bruker ${object}`);
    return `${pct(valueOf(f), 'nn')} av norske føretak bruker ${object}`;
  },
  lede(f, top) {
    const first = `I ${f.year} brukte ${pct(valueOf(f), 'nn')} av føretaka med minst ti sysselsette ${measureText(f.measure, 'nn').object}${changeClause(f, 'nn')}.`;
    if (!top) return first;
    return `${first} ${shareSubject(valueOf(top), 'nn')} bruker sosiale medium til ${measureText(top.measure, 'nn').object}.`;
  },
  keyHeadline: (f) => `av føretaka bruker ${measureText(f.measure, 'nn').object}`,
  keySize: (f) => `av føretaka med ${sizeClassText(f.sizeClass, 'nn').phrase} bruker ${measureText(f.measure, 'nn').object}`,
  keyPurpose: (f) => `bruker sosiale medium til ${measureText(f.measure, 'nn').object}`,
  keyPolicy: () => 'har ein formell politikk for sosiale medium',
  keyIndustry: (f) => `i ${industryText(f.industry, 'nn').toLowerCase()} bruker ${measureText(f.measure, 'nn').object}`,
  sizeHeading: (more) => (more ? 'Dei store føretaka er meir aktive' : 'Storleik og næring'),
  sizeSentence(items) {
    const { uses, totals } = sizeParts(items, 'nn');
    const base = `Blant føretaka med ${sizeClassText(items[0]!.figure.sizeClass, 'nn').phrase} bruker ${uses}`;
    return totals ? `${base}, mot ${totals} av alle føretaka.` : `${base}.`;
  },
  industrySentence(top, others) {
    const names = top.map((f) => industryText(f.industry, 'nn').toLowerCase());
    const object = measureText(top[0]!.measure, 'nn').object;
    const both = top.length === 2 ? 'begge med' : top.length > 2 ? 'alle med' : 'med';
    let text = `Blant næringane er delen som bruker ${object}, høgast ${joinList(names.map((n) => `i ${n}`), 'nn')}, ${both} ${pct(valueOf(top[0]!), 'nn')}.`;
    if (others.length) text += ` ${capitalise(joinList(others.map((f) => `${industryText(f.industry, 'nn').toLowerCase()} har ${pct(valueOf(f), 'nn')}`), 'nn'))}.`;
    return text;
  },
  typesHeading: (top) => `${measureText(top.measure, 'nn').name} er mest brukt`,
  typesFirst: (top) =>
    `${capitalise(withExamples(top.measure, 'nn', ', '))} er tekne i bruk av ${pct(valueOf(top), 'nn')} av føretaka${changeClause(top, 'nn')}.`,
  typesRest: (rest) =>
    `${capitalise(joinList(rest.map((f) => `${pct(valueOf(f), 'nn')} bruker ${withExamples(f.measure, 'nn', 'parens')}`), 'nn'))}.`,
  purposesHeading: (top) => `Mest brukt til ${measureText(top.measure, 'nn').name.toLowerCase()}`,
  purposesFirst: (top) => `${shareSubject(valueOf(top), 'nn')} bruker sosiale medium til ${measureText(top.measure, 'nn').object}${changeClause(top, 'nn')}.`,
  purposesRest: (rest) =>
    `Deretter følgjer ${joinList(rest.map((f) => `${measureText(f.measure, 'nn').object} (${pct(valueOf(f), 'nn')})`), 'nn')}.`,
  policyHeading: (low) => (low ? 'Få har ein klar strategi' : 'Formell politikk for sosiale medium'),
  policySentence: (f, low) =>
    `${low ? 'Berre ' : ''}${pct(valueOf(f), 'nn')} av føretaka svarer at dei har ein formell politikk med mål, reglar eller prosedyrar for bruken av sosiale medium${changeClause(f, 'nn')}.`,
  policyReading: () =>
    'Det kan tyde på at dei fleste føretaka som bruker sosiale medium, overlèt utviklinga på dette området til dei tilsette, utan overordna retningsliner.',
  revisionNote: (name, year, from, to) => `${name} ${year}: først publisert som ${from}, seinare revidert til ${to}.`,
  missingNote: (name, symbol, meaning) => `${name}: ikkje publisert (${symbol}, ${meaning}).`,
  seriesBreakNote: () =>
    'Frå 2026 byggjer tala på ny næringsgruppering (SN2025). Tal frå før og etter bytet er ikkje samanlikna her.',
  statusMeanings: {
    '.': 'ikkje mogleg å føre opp',
    '..': 'talgrunnlag manglar eller er for usikkert',
    ':': 'vert ikkje offentleggjort av omsyn til personvernet',
    '-': 'null',
    '*': 'førebels tal',
  },
  ui: {
    source: 'Kjelde: Statistisk sentralbyrå',
    sourceTable: (table) => `Kjelde: Statistisk sentralbyrå, tabell ${table}`,
    page: 'Side', of: 'av',
    keyFigures: 'Nøkkeltal', notes: 'Merknader', about: 'Om statistikken',
    aboutText: (year) => [
      `Tala kjem frå SSB si undersøking Bruk av IKT i næringslivet for ${year}. Undersøkinga omfattar føretak med minst ti sysselsette, og referansemånaden er januar.`,
      'Sosiale medium omfattar her sosiale nettverk, nettsider for deling av multimedieinnhald, bloggar og mikrobloggar, og wikiar.',
    ],
    aboutSources: 'Kjelder', readMore: 'Les meir om statistikken', published: 'publisert',
    percent: 'Prosent', year: 'År', chartData: 'Tala bak figuren', appendix: 'Tabellvedlegg', generated: 'Laga',
  },
};

const nb: Phrasebook = {
  kicker: (year) => `Bruk av IKT i næringslivet ${year}`,
  title: (year) => `Sosiale medier i norske foretak ${year}`,
  headline(f) {
    const fraction = shareAsFraction(valueOf(f));
    const object = measureText(f.measure, 'nb').object;
    if (fraction) return capitalise(`${fractionWords(fraction, 'nb')} norske foretak bruker ${object}`);
    return `${pct(valueOf(f), 'nb')} av norske foretak bruker ${object}`;
  },
  lede(f, top) {
    const first = `I ${f.year} brukte ${pct(valueOf(f), 'nb')} av foretakene med minst ti sysselsatte ${measureText(f.measure, 'nb').object}${changeClause(f, 'nb')}.`;
    if (!top) return first;
    return `${first} ${shareSubject(valueOf(top), 'nb')} bruker sosiale medier til ${measureText(top.measure, 'nb').object}.`;
  },
  keyHeadline: (f) => `av foretakene bruker ${measureText(f.measure, 'nb').object}`,
  keySize: (f) => `av foretakene med ${sizeClassText(f.sizeClass, 'nb').phrase} bruker ${measureText(f.measure, 'nb').object}`,
  keyPurpose: (f) => `bruker sosiale medier til ${measureText(f.measure, 'nb').object}`,
  keyPolicy: () => 'har en formell policy for sosiale medier',
  keyIndustry: (f) => `i ${industryText(f.industry, 'nb').toLowerCase()} bruker ${measureText(f.measure, 'nb').object}`,
  sizeHeading: (more) => (more ? 'De store foretakene er mer aktive' : 'Størrelse og næring'),
  sizeSentence(items) {
    const { uses, totals } = sizeParts(items, 'nb');
    const base = `Blant foretakene med ${sizeClassText(items[0]!.figure.sizeClass, 'nb').phrase} bruker ${uses}`;
    return totals ? `${base}, mot ${totals} av alle foretakene.` : `${base}.`;
  },
  industrySentence(top, others) {
    const names = top.map((f) => industryText(f.industry, 'nb').toLowerCase());
    const object = measureText(top[0]!.measure, 'nb').object;
    const both = top.length === 2 ? 'begge med' : top.length > 2 ? 'alle med' : 'med';
    let text = `Blant næringene er andelen som bruker ${object}, høyest ${joinList(names.map((n) => `i ${n}`), 'nb')}, ${both} ${pct(valueOf(top[0]!), 'nb')}.`;
    if (others.length) text += ` ${capitalise(joinList(others.map((f) => `${industryText(f.industry, 'nb').toLowerCase()} har ${pct(valueOf(f), 'nb')}`), 'nb'))}.`;
    return text;
  },
  typesHeading: (top) => `${measureText(top.measure, 'nb').name} er mest brukt`,
  typesFirst: (top) =>
    `${capitalise(withExamples(top.measure, 'nb', ', '))} er tatt i bruk av ${pct(valueOf(top), 'nb')} av foretakene${changeClause(top, 'nb')}.`,
  typesRest: (rest) =>
    `${capitalise(joinList(rest.map((f) => `${pct(valueOf(f), 'nb')} bruker ${withExamples(f.measure, 'nb', 'parens')}`), 'nb'))}.`,
  purposesHeading: (top) => `Mest brukt til ${measureText(top.measure, 'nb').name.toLowerCase()}`,
  purposesFirst: (top) => `${shareSubject(valueOf(top), 'nb')} bruker sosiale medier til ${measureText(top.measure, 'nb').object}${changeClause(top, 'nb')}.`,
  purposesRest: (rest) =>
    `Deretter følger ${joinList(rest.map((f) => `${measureText(f.measure, 'nb').object} (${pct(valueOf(f), 'nb')})`), 'nb')}.`,
  policyHeading: (low) => (low ? 'Få har en klar strategi' : 'Formell policy for sosiale medier'),
  policySentence: (f, low) =>
    `${low ? 'Bare ' : ''}${pct(valueOf(f), 'nb')} av foretakene svarer at de har en formell policy med mål, regler eller prosedyrer for bruken av sosiale medier${changeClause(f, 'nb')}.`,
  policyReading: () =>
    'Det kan tyde på at de fleste foretakene som bruker sosiale medier, overlater utviklingen på dette området til de ansatte, uten overordnede retningslinjer.',
  revisionNote: (name, year, from, to) => `${name} ${year}: først publisert som ${from}, senere revidert til ${to}.`,
  missingNote: (name, symbol, meaning) => `${name}: ikke publisert (${symbol}, ${meaning}).`,
  seriesBreakNote: () =>
    'Fra 2026 bygger tallene på ny næringsgruppering (SN2025). Tall fra før og etter byttet er ikke sammenlignet her.',
  statusMeanings: {
    '.': 'ikke mulig å oppgi tall',
    '..': 'tallgrunnlag mangler eller er for usikkert',
    ':': 'vises ikke av konfidensialitetshensyn',
    '-': 'null',
    '*': 'foreløpige tall',
  },
  ui: {
    source: 'Kilde: Statistisk sentralbyrå',
    sourceTable: (table) => `Kilde: Statistisk sentralbyrå, tabell ${table}`,
    page: 'Side', of: 'av',
    keyFigures: 'Nøkkeltall', notes: 'Merknader', about: 'Om statistikken',
    aboutText: (year) => [
      `Tallene kommer fra SSBs undersøkelse Bruk av IKT i næringslivet for ${year}. Undersøkelsen omfatter foretak med minst ti sysselsatte, og referansemåneden er januar.`,
      'Sosiale medier omfatter her sosiale nettverk, nettsider for deling av multimedieinnhold, blogger og mikroblogger, og wikier.',
    ],
    aboutSources: 'Kilder', readMore: 'Les mer om statistikken', published: 'publisert',
    percent: 'Prosent', year: 'År', chartData: 'Tallene bak figuren', appendix: 'Tabellvedlegg', generated: 'Laget',
  },
};

const en: Phrasebook = {
  kicker: (year) => `ICT usage in enterprises ${year}`,
  title: (year) => `Social media in Norwegian enterprises ${year}`,
  headline(f) {
    const fraction = shareAsFraction(valueOf(f));
    const object = measureText(f.measure, 'en').object;
    if (fraction) {
      const verb = fraction.numerator === 1 ? 'uses' : 'use';
      return capitalise(`${fractionWords(fraction, 'en')} Norwegian enterprises ${verb} ${object}`);
    }
    return `${pct(valueOf(f), 'en')} of Norwegian enterprises use ${object}`;
  },
  lede(f, top) {
    const first = `In ${f.year}, ${pct(valueOf(f), 'en')} of enterprises with at least ten persons employed used ${measureText(f.measure, 'en').object}${changeClause(f, 'en')}.`;
    if (!top) return first;
    return `${first} ${shareSubject(valueOf(top), 'en')} use social media for ${measureText(top.measure, 'en').object}.`;
  },
  keyHeadline: (f) => `of enterprises use ${measureText(f.measure, 'en').object}`,
  keySize: (f) => `of enterprises with ${sizeClassText(f.sizeClass, 'en').phrase} use ${measureText(f.measure, 'en').object}`,
  keyPurpose: (f) => `use social media for ${measureText(f.measure, 'en').object}`,
  keyPolicy: () => 'have a formal social media policy',
  keyIndustry: (f) => `in ${industryText(f.industry, 'en').toLowerCase()} use ${measureText(f.measure, 'en').object}`,
  sizeHeading: (more) => (more ? 'Large enterprises are more active' : 'Size and industry'),
  sizeSentence(items) {
    const { uses, totals } = sizeParts(items, 'en');
    const simple = `Among enterprises with ${sizeClassText(items[0]!.figure.sizeClass, 'en').phrase}, ${joinList(items.map((i) => `${pct(valueOf(i.figure), 'en')} use ${measureText(i.figure.measure, 'en').object}`), 'en')}`;
    return totals ? `${simple}, against ${totals} of all enterprises.` : `${simple}.`;
  },
  industrySentence(top, others) {
    const names = top.map((f) => industryText(f.industry, 'en').toLowerCase());
    const object = measureText(top[0]!.measure, 'en').object;
    const both = top.length === 2 ? 'both at' : top.length > 2 ? 'all at' : 'at';
    let text = `By industry, the share using ${object} is highest ${joinList(names.map((n) => `in ${n}`), 'en')}, ${both} ${pct(valueOf(top[0]!), 'en')}.`;
    if (others.length) text += ` ${capitalise(joinList(others.map((f) => `${industryText(f.industry, 'en').toLowerCase()} has ${pct(valueOf(f), 'en')}`), 'en'))}.`;
    return text;
  },
  typesHeading: (top) => `${measureText(top.measure, 'en').name} are the most used`,
  typesFirst: (top) =>
    `${capitalise(withExamples(top.measure, 'en', ' '))} are used by ${pct(valueOf(top), 'en')} of enterprises${changeClause(top, 'en')}.`,
  typesRest: (rest) =>
    `${capitalise(joinList(rest.map((f) => `${pct(valueOf(f), 'en')} use ${withExamples(f.measure, 'en', 'parens')}`), 'en'))}.`,
  purposesHeading: (top) => `Used most for ${measureText(top.measure, 'en').name.toLowerCase()}`,
  purposesFirst: (top) => `${shareSubject(valueOf(top), 'en')} use social media for ${measureText(top.measure, 'en').object}${changeClause(top, 'en')}.`,
  purposesRest: (rest) =>
    `Next come ${joinList(rest.map((f) => `${measureText(f.measure, 'en').object} (${pct(valueOf(f), 'en')})`), 'en')}.`,
  policyHeading: (low) => (low ? 'Few have a clear strategy' : 'A formal social media policy'),
  policySentence: (f, low) =>
    `${low ? 'Only ' : ''}${pct(valueOf(f), 'en')} of enterprises say they have a formal policy with goals, rules or procedures for their use of social media${changeClause(f, 'en')}.`,
  policyReading: () =>
    'This suggests that most enterprises using social media leave its development to their employees, without overall guidelines.',
  revisionNote: (name, year, from, to) => `${name} ${year}: first published as ${from}, later revised to ${to}.`,
  missingNote: (name, symbol, meaning) => `${name}: not published (${symbol}, ${meaning}).`,
  seriesBreakNote: () =>
    'From 2026 the figures use a new industry classification (SN2025). Figures before and after the change are not compared here.',
  statusMeanings: {
    '.': 'category not applicable',
    '..': 'data not available or too uncertain',
    ':': 'suppressed for confidentiality',
    '-': 'nil',
    '*': 'provisional figure',
  },
  ui: {
    source: 'Source: Statistics Norway',
    sourceTable: (table) => `Source: Statistics Norway, table ${table}`,
    page: 'Page', of: 'of',
    keyFigures: 'Key figures', notes: 'Notes', about: 'About the statistics',
    aboutText: (year) => [
      `The figures come from Statistics Norway's survey on ICT usage in enterprises for ${year}. The survey covers enterprises with at least ten persons employed; the reference month is January.`,
      'Social media here means social networks, multimedia content sharing websites, blogs and microblogs, and wikis.',
    ],
    aboutSources: 'Sources', readMore: 'Read more about the statistics', published: 'published',
    percent: 'Per cent', year: 'Year', chartData: 'Data behind the chart', appendix: 'Table appendix', generated: 'Generated',
  },
};

export const phrasebooks: Record<Lang, Phrasebook> = { nn, nb, en };
