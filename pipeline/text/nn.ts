import type { Change } from '../briefing/facts.js';
import type { Figure } from '../briefing/figures.js';
import { capitalise, formatDate, formatDateTime, formatMonthYear, formatNumber, fractionWords, joinList } from './format.js';
import { yearRanges, type Phrasebook, type Say } from './phrasebook.js';
import { capitaliseRich as cap, joinRich, r, type Rich } from './rich.js';

/**
 * Nynorsk, the briefing's default language. The seed article (SSB, 2013) sets the tone: the year's figures in the
 * past tense ("I 2019 brukte …"), headlines in the present without "no", shares as "50 prosent" in running text and
 * "50 %" in key figures, SSB's own labels for industries and size classes.
 */

const list = (items: Rich[]) => joinRich(items, 'og');

function changeClause(c: Change | null, say: Say): Rich {
  if (!c) return [];
  const since = c.lastAsked ? ', då spørsmålet sist vart stilt' : '';
  if (c.points === 0) return r`, uendra frå ${say.share(c.from)} i ${c.from.year}${since}`;
  return r`, ${c.points > 0 ? 'opp' : 'ned'} frå ${say.share(c.from)} i ${c.from.year}${since}`;
}

/** "i informasjon og kommunikasjon og i handel med …": each industry with its own preposition. */
const inIndustries = (figures: Figure[], say: Say) =>
  joinList(
    figures.map((f) => `i ${say.industry(f.industry!)}`),
    'nn',
  );

export const nn: Phrasebook = {
  lang: 'nn',

  headlineFraction(f, say) {
    const { words } = say.fraction(f)!;
    const m = say.m(f.measure);
    return cap(r`${words} norske føretak ${m.verb.present} ${m.object}`);
  },
  headlineChange(c, say) {
    const m = say.m(c.to.measure);
    return r`${c.points > 0 ? 'Fleire' : 'Færre'} føretak ${m.verb.present} ${m.object}`;
  },
  headlineLevel(f, say) {
    const m = say.m(f.measure);
    return r`${capitalise(m.object)} er i bruk i ${say.share(f)} av norske føretak`;
  },
  ledeLevel(f, change, say) {
    const m = say.m(f.measure);
    const examples = m.examples && !change ? `, som ${m.examples}` : '';
    return r`I ${f.year} ${m.verb.past} ${say.share(f)} av ${say.of(f, true)} ${m.object}${examples}${changeClause(change, say)}.`;
  },
  ledeMilestone(ms, _say) {
    return r`Det er første gong sidan målingane starta i ${ms.since} at delen når ${fractionWords({ ...ms, approx: 'exact' }, 'nn')}.`;
  },
  ledeRecord(rec) {
    return r`Det er den høgaste delen sidan målingane starta i ${rec.since}.`;
  },
  ledeTop(f, say) {
    const m = say.m(f.measure);
    const fraction = say.fraction(f);
    if (say.base(f) === 'users') return r`Blant ${say.words.users}, ${m.verb.past} ${say.share(f)} ${m.object}.`;
    if (fraction) return cap(r`${fraction.words} føretak ${m.verb.past} ${m.object}.`);
    return cap(r`${say.share(f)} av føretaka ${m.verb.past} ${m.object}.`);
  },

  headings: {
    sizes: (largerMore, bySize, byIndustry) =>
      largerMore ? 'Dei store føretaka er meir aktive' : bySize && byIndustry ? 'Storleik og næring' : bySize ? 'Etter storleik' : 'Etter næring',
    typesTop: (top, say) => r`${say.m(top.measure).label} er mest brukt`,
    purposesTop: (top, say) => r`Mest brukt til ${say.m(top.measure).noun ?? say.m(top.measure).object}`,
  },
  sizeComparison(large, all, say) {
    const m = say.m(large.measure);
    return r`Blant føretaka med ${say.size(large.size!)} ${m.verb.past} ${say.share(large)} ${m.object}, mot ${say.share(all)} av alle føretaka.`;
  },
  sizeGradient(sizes, say) {
    const first = sizes[0]!;
    const last = sizes.at(-1)!;
    return r`Jo større føretaka var, desto høgare var delen: frå ${say.share(first)} blant dei med ${say.size(first.size!)} til ${say.share(last)} blant dei med ${say.size(last.size!)}.`;
  },
  industryRanking(ranking, say) {
    const { figures } = ranking;
    const top = figures.filter((f) => f.current.value === figures[0]!.current.value);
    const bottom = figures.filter((f) => f.current.value === figures.at(-1)!.current.value);
    const with_ = (n: number) => (n === 2 ? 'begge med' : n > 2 ? 'alle med' : 'med');
    if (top.length === figures.length) return r`Delen var den same i alle næringane, ${say.share(top[0]!)}.`;
    return r`Blant næringane var delen høgast ${inIndustries(top, say)}, ${with_(top.length)} ${say.share(top[0]!)}, og lågast ${inIndustries(bottom, say)}, ${with_(bottom.length)} ${say.share(bottom[0]!)}.`;
  },
  industryLevels(groups, say) {
    const m = say.m(groups[0]![0]!.measure);
    const [first, ...rest] = groups;
    const more = rest.map((g) => r`, ${inIndustries(g, say)} ${say.share(g[0]!)}`);
    return cap(r`${inIndustries(first!, say)} ${m.verb.past} ${say.share(first![0]!)} ${m.object}${more.flat()}.`);
  },
  industryBounds(bounds, say) {
    const m = say.m(bounds[0]!.measure);
    return cap(r`${inIndustries(bounds, say)} ${m.verb.past} ${say.share(bounds[0]!)} av føretaka ${m.object}.`);
  },
  published({ gradient, topIndustry }, say) {
    const parts: string[] = [];
    if (gradient) parts.push(`brukte større føretak alle former for ${say.words.topic} meir enn mindre føretak`);
    if (topIndustry) parts.push(`${gradient ? 'delen var' : 'var delen'} størst i ${say.industry(topIndustry)}`);
    return r`Ifølgje SSB ${parts.join(', og ')}.`;
  },

  typeFirst(f, change, say) {
    const m = say.m(f.measure);
    return cap(r`${say.share(f)} av ${say.of(f)} ${m.verb.past} ${m.object}${m.examples ? `, som ${m.examples}` : ''}${changeClause(change, say)}.`);
  },
  typeRest(figures, say) {
    return cap(
      r`${list(
        figures.map((f) => {
          const m = say.m(f.measure);
          return r`${say.share(f)} ${m.verb.past} ${m.object}${m.examples ? ` (som ${m.examples})` : ''}`;
        }),
      )}.`,
    );
  },
  typeSizes(pairs, say) {
    const items = pairs.map((p) => r`${say.share(p.large)} ${say.m(p.large.measure).object}${p.all ? r` (mot ${say.share(p.all)} av alle føretaka)` : ''}`);
    return r`Blant føretaka med ${say.size(pairs[0]!.large.size!)} ${say.m(pairs[0]!.large.measure).verb.past} ${list(items)}.`;
  },
  purposeFirst(f, change, say) {
    const m = say.m(f.measure);
    return cap(r`${say.share(f)} av ${say.of(f)} ${m.verb.past} ${m.object}${changeClause(change, say)}.`);
  },
  purposeRest(figures, ranked, say) {
    const items = list(figures.map((f) => r`${say.m(f.measure).noun ?? say.m(f.measure).object} (${say.share(f)})`));
    return ranked ? r`Deretter følgjer ${items}.` : r`Andre føremål: ${items}.`;
  },
  policy(f, low, change, say) {
    const m = say.m(f.measure);
    return cap(r`${low ? 'berre ' : ''}${say.share(f)} av ${say.of(f, true)} ${m.verb.past} ${m.object}${changeClause(change, say)}.`);
  },

  keyFigure(f, say) {
    const m = say.m(f.measure);
    const whose = !say.isAllSizes(f) ? `føretaka med ${say.size(f.size!)}` : !say.isTotal(f) ? `føretaka i ${say.industry(f.industry!)}` : say.of(f, true);
    return r`av ${whose} ${m.verb.past} ${m.object}`;
  },
  keyChange(c, say) {
    if (c.points === 0) return r`Uendra frå ${c.from.year}`;
    return r`${c.points > 0 ? 'Opp' : 'Ned'} ${say.points(c)} frå ${c.from.year}`;
  },

  figureName(f, say) {
    const parts = [say.m(f.measure).label];
    if (!say.isAllSizes(f)) parts.push(say.size(f.size!));
    if (!say.isTotal(f)) parts.push(say.industry(f.industry!));
    return `${parts.join(', ')}, ${say.period(f)}`;
  },
  revisionNote(f, say) {
    const first = f.first.published ? ` ${formatDate(f.first.published, 'nn')}` : '';
    const later = f.current.published ? ` (${formatDate(f.current.published, 'nn')})` : ' (dato ikkje oppgitt)';
    return r`${nn.figureName(f, say)}: først publisert som ${say.obs(f.first)}${first}, seinare revidert til ${say.obs(f.current)}${later}.`;
  },
  missingNote(f, say) {
    const symbol = f.current.status!;
    return r`${nn.figureName(f, say)}: ingen tal frå SSB (${symbol} = ${nn.symbols[symbol]}).`;
  },
  gapNote(measures, years, say) {
    return r`Datagrunnlaget har ikkje tal for ${yearRanges(years, 'og')} for ${joinList(
      measures.map((m) => `«${say.m(m).label}»`),
      'nn',
    )}.`;
  },
  notAskedNote(years) {
    return r`Spørsmåla vart ikkje stilte i ${yearRanges(years, 'og')}.`;
  },
  seriesBreakNote() {
    return r`Frå 2026 byggjer tala etter næring på ein ny standard for næringsgruppering (SN2025). Tal etter næring før og etter skiftet kan ikkje samanliknast direkte, og endringar over skiftet er ikkje rekna ut her.`;
  },
  usersBaseNote(say) {
    return r`Delane for føremål gjeld ${say.words.users}, ikkje alle føretaka.`;
  },
  symbols: {
    '.': 'tal kan ikkje førekome',
    '..': 'talgrunnlag manglar',
    ':': 'vert ikkje vist av omsyn til konfidensialitet',
    '-': 'null',
    '*': 'førebels tal',
  },

  editionLine({ year, month, published, tableUpdated, revised }) {
    const parts = [`Referanseperiode: ${formatMonthYear(year, month, 'nn')}`];
    if (published || !tableUpdated) parts.push(`Publisert ${published ? formatDate(published, 'nn') : '(dato ikkje oppgitt)'}`);
    if (tableUpdated) parts.push(`Tal frå StatBank, sist oppdatert ${formatDate(tableUpdated, 'nn')}`);
    if (revised === 'undated') parts.push('Seinare revidert (dato ikkje oppgitt)');
    else if (revised) parts.push(`Sist revidert ${formatDate(revised, 'nn')}`);
    return parts.join(' · ');
  },
  about: {
    coverage: (say) => say.words.coverage,
    table: (id, label, updated) => `Tabell ${id}: ${label}${updated ? `, sist oppdatert ${formatDateTime(updated, 'nn')}` : ''}`,
    article: (title, published) => `Artikkel på ssb.no: «${title}»${published ? `, publisert ${formatDate(published, 'nn')}` : ', utan dato'}`,
    nextRelease: (date) => `Neste publisering: ${formatDate(date, 'nn')}`,
    changes({ table, updated, added, revised, withdrawn }) {
      const parts = [
        added ? `${added} ${added === 1 ? 'nytt tal' : 'nye tal'}` : '',
        revised ? `${revised} ${revised === 1 ? 'revidert tal' : 'reviderte tal'}` : '',
        withdrawn ? `${withdrawn} ${withdrawn === 1 ? 'tal trekt tilbake' : 'tal trekte tilbake'}` : '',
      ].filter(Boolean);
      const when = updated ? `, oppdatert ${formatDateTime(updated, 'nn')}` : '';
      return `Tabell ${table}${when}: ${parts.length ? joinList(parts, 'nn') : 'ingen tal endra'}.`;
    },
    changeItem: (name, before, after) => `${name}: frå ${before} til ${after}`,
    sectionSources: (items) => `Kjelde: Statistisk sentralbyrå, ${items.join('; ')}`,
  },
  charts: {
    trendTitle: (say) => `Bruk av ${say.words.topic} over tid`,
    typesTitle: (say) => capitalise(say.words.types),
    purposesTitle: (say) => capitalise(say.words.purposes),
    groupsTitle: (size, industry, say) => `Bruk av ${say.words.topic} etter ${size && industry ? 'storleik og næring' : size ? 'storleik' : 'næring'}`,
    subtitle: (period, whose) => `Del av ${whose}. ${period}. Prosent`,
    trendAlt(title, series, top) {
      const n = (value: number) => formatNumber(value, 'nn');
      const changes = series.map((s) =>
        s.last.value === s.first.value
          ? `${s.name} var ${n(s.last.value)} prosent både i ${s.first.year} og i ${s.last.year}`
          : `${s.name} ${s.last.value > s.first.value ? 'auka' : 'gjekk ned'} frå ${n(s.first.value)} prosent i ${s.first.year} til ${n(s.last.value)} prosent i ${s.last.year}`,
      );
      return [`Linjediagram: ${title}.`, ...changes.map((c) => `${c}.`), `Høgaste verdi er ${n(top.value)} prosent (${top.name}, ${top.year}).`].join(' ');
    },
    barsAlt(title, top, bottom) {
      const low = bottom ? `, lågast ${bottom.name} med ${formatNumber(bottom.value, 'nn')} prosent` : '';
      return `Stolpediagram: ${title}. Høgast er ${top.name} med ${formatNumber(top.value, 'nn')} prosent${low}.`;
    },
    head: { trend: 'År', types: 'Type', purposes: 'Føremål', groups: 'Gruppe' },
    emptyCell: 'Tom celle: datagrunnlaget har ikkje dette talet.',
    notAsked: (years) => `Spørsmåla vart ikkje stilte i ${yearRanges(years, 'og')}.`,
  },
  ui: {
    brand: 'Tal frå SSB',
    source: 'Kjelde: Statistisk sentralbyrå',
    sourceTable: (table) => `Kjelde: Statistisk sentralbyrå, tabell ${table}`,
    page: 'Side',
    of: 'av',
    keyFigures: 'Nøkkeltal',
    notes: 'Merknader',
    about: 'Om statistikken',
    sources: 'Kjelder',
    readMore: 'Les meir om statistikken',
    chartData: 'Tala bak figuren',
    appendix: 'Tabellvedlegg',
    noteLabel: 'Merknad',
    tableNotes: 'Merknad frå SSB',
    changesHeading: 'Endringar ved siste oppdatering',
    licence: 'Tala er frå Statistisk sentralbyrå og kan brukast fritt under lisensen CC BY 4.0.',
    author: 'ssb-briefing, med tal frå Statistisk sentralbyrå',
    percent: 'Prosent',
    sourceLabel: 'Kjelde',
    articleLabel: 'artikkel',
  },
};
