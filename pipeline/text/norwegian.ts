import type { Change } from '../briefing/facts.js';
import type { Figure } from '../briefing/figures.js';
import type { StatusSymbol } from '../briefing/model.js';
import { capitalise, formatDate, formatDateTime, formatMonthYear, formatNumber, fractionWords, joinList } from './format.js';
import { yearRanges, type Phrasebook, type Say } from './phrasebook.js';
import { capitaliseRich as cap, joinRich, r, type Rich } from './rich.js';

/**
 * The Norwegian sentences, shared by Nynorsk (text/nn.ts) and Bokmål (text/nb.ts): the seed article (SSB, 2013) sets
 * the tone: the year's figures in the past tense ("I 2019 brukte …"), headlines in the present without "no", shares as
 * "50 prosent" in running text and "50 %" in key figures, SSB's own labels for industries and size classes. The two
 * forms differ only in words, which each language's file gives.
 */
export interface NorwegianWords {
  /** "føretak": indefinite plural; "føretaka": definite. */
  enterprises: string;
  theEnterprises: string;
  /** "delen": the share, definite; "Del": indefinite, capitalised (a chart subtitle). */
  share: string;
  Share: string;
  /** "tal": figures. */
  figures: string;
  from: string;
  not: string;
  later: string;
  unchanged: string;
  more: string;
  More: string;
  only: string;
  them: string;
  size: string;
  purpose: string;
  theIndustries: string;
  same: string;
  higher: string;
  /** "høgaste" (adjective) and "høgast", "lågast" (adverbs). */
  highest: string;
  highestAdv: string;
  lowestAdv: string;
  rose: string;
  fell: string;
  barChart: string;
  nextCame: string;
  accordingTo: string;
  undated: string;
  lastAsked: string;
  measuredSince: string;
  firstTime: string;
  largerMore: string;
  notAsked: string;
  seriesBreak: string;
  emptyCell: string;
  usersBase(users: string): string;
  /** Singular and plural: "nytt tal", "nye tal". */
  added: [string, string];
  revised: [string, string];
  withdrawn: [string, string];
  noneChanged: string;
  symbols: Record<StatusSymbol, string>;
  ui: Phrasebook['ui'];
}

export function norwegian(lang: 'nn' | 'nb', w: NorwegianWords): Phrasebook {
  const list = (items: Rich[]) => joinRich(items, 'og');
  const date = (iso: string) => formatDate(iso, lang);
  const changeClause = (c: Change | null, say: Say): Rich => {
    if (!c) return [];
    const since = c.lastAsked ? `, ${w.lastAsked}` : '';
    if (c.points === 0) return r`, ${w.unchanged} ${w.from} ${say.share(c.from)} i ${c.from.year}${since}`;
    return r`, ${c.points > 0 ? 'opp' : 'ned'} ${w.from} ${say.share(c.from)} i ${c.from.year}${since}`;
  };
  /** "i informasjon og kommunikasjon og i handel med …": each industry with its own preposition. */
  const inIndustries = (figures: Figure[], say: Say) =>
    joinList(
      figures.map((f) => `i ${say.industry(f.industry!)}`),
      lang,
    );

  const book: Phrasebook = {
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
      return r`I ${f.year} ${m.verb.past} ${say.share(f)} av ${say.of(f, true)} ${m.object}${examples}${changeClause(change, say)}.`;
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

    headings: {
      sizes: (largerMore, bySize, byIndustry) =>
        largerMore ? w.largerMore : bySize && byIndustry ? `${capitalise(w.size)} og næring` : bySize ? `Etter ${w.size}` : 'Etter næring',
      typesTop: (top, say) => r`${say.m(top.measure).label} er mest brukt`,
      purposesTop: (top, say) => r`Mest brukt til ${say.m(top.measure).noun ?? say.m(top.measure).object}`,
    },
    sizeComparison(large, all, say) {
      const m = say.m(large.measure);
      return r`Blant ${w.theEnterprises} med ${say.size(large.size!)} ${m.verb.past} ${say.share(large)} ${m.object}, mot ${say.share(all)} av alle ${w.theEnterprises}.`;
    },
    sizeGradient(sizes, say) {
      const first = sizes[0]!;
      const last = sizes.at(-1)!;
      return r`Jo større ${w.theEnterprises} var, desto ${w.higher} var ${w.share}: ${w.from} ${say.share(first)} blant ${w.them} med ${say.size(first.size!)} til ${say.share(last)} blant ${w.them} med ${say.size(last.size!)}.`;
    },
    industryRanking(ranking, say) {
      const { figures } = ranking;
      const top = figures.filter((f) => f.current.value === figures[0]!.current.value);
      const bottom = figures.filter((f) => f.current.value === figures.at(-1)!.current.value);
      const with_ = (n: number) => (n === 2 ? 'begge med' : n > 2 ? 'alle med' : 'med');
      if (top.length === figures.length) return r`${capitalise(w.share)} var den ${w.same} i alle ${w.theIndustries}, ${say.share(top[0]!)}.`;
      return r`Blant ${w.theIndustries} var ${w.share} ${w.highestAdv} ${inIndustries(top, say)}, ${with_(top.length)} ${say.share(top[0]!)}, og ${w.lowestAdv} ${inIndustries(bottom, say)}, ${with_(bottom.length)} ${say.share(bottom[0]!)}.`;
    },
    industryLevels(groups, say) {
      const m = say.m(groups[0]![0]!.measure);
      const [first, ...rest] = groups;
      const more = rest.map((g) => r`, ${inIndustries(g, say)} ${say.share(g[0]!)}`);
      return cap(r`${inIndustries(first!, say)} ${m.verb.past} ${say.share(first![0]!)} ${m.object}${more.flat()}.`);
    },
    industryBounds(bounds, say) {
      const m = say.m(bounds[0]!.measure);
      return cap(r`${inIndustries(bounds, say)} ${m.verb.past} ${say.share(bounds[0]!)} av ${w.theEnterprises} ${m.object}.`);
    },
    published({ gradient, topIndustry }, say) {
      const parts: string[] = [];
      if (gradient) parts.push(`brukte større ${w.enterprises} alle former for ${say.words.topic} ${w.more} enn mindre ${w.enterprises}`);
      if (topIndustry) parts.push(`${gradient ? `${w.share} var` : `var ${w.share}`} størst i ${say.industry(topIndustry)}`);
      return r`${w.accordingTo} SSB ${parts.join(', og ')}.`;
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
      const items = pairs.map(
        (p) => r`${say.share(p.large)} ${say.m(p.large.measure).object}${p.all ? r` (mot ${say.share(p.all)} av alle ${w.theEnterprises})` : ''}`,
      );
      return r`Blant ${w.theEnterprises} med ${say.size(pairs[0]!.large.size!)} ${say.m(pairs[0]!.large.measure).verb.past} ${list(items)}.`;
    },
    purposeFirst(f, change, say) {
      const m = say.m(f.measure);
      return cap(r`${say.share(f)} av ${say.of(f)} ${m.verb.past} ${m.object}${changeClause(change, say)}.`);
    },
    purposeRest(figures, ranked, say) {
      const items = list(figures.map((f) => r`${say.m(f.measure).noun ?? say.m(f.measure).object} (${say.share(f)})`));
      return ranked ? r`${w.nextCame} ${items}.` : r`Andre ${w.purpose}: ${items}.`;
    },
    policy(f, low, change, say) {
      const m = say.m(f.measure);
      return cap(r`${low ? `${w.only} ` : ''}${say.share(f)} av ${say.of(f, true)} ${m.verb.past} ${m.object}${changeClause(change, say)}.`);
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
    keyChange(c, say) {
      if (c.points === 0) return r`${capitalise(w.unchanged)} ${w.from} ${c.from.year}`;
      return r`${c.points > 0 ? 'Opp' : 'Ned'} ${say.points(c)} ${w.from} ${c.from.year}`;
    },

    figureName(f, say) {
      const parts = [say.m(f.measure).label];
      if (!say.isAllSizes(f)) parts.push(say.size(f.size!));
      if (!say.isTotal(f)) parts.push(say.industry(f.industry!));
      return `${parts.join(', ')}, ${say.period(f)}`;
    },
    revisionNote(f, say) {
      const first = f.first.published ? ` ${date(f.first.published)}` : '';
      const later = f.current.published ? ` (${date(f.current.published)})` : ` (dato ${w.not} oppgitt)`;
      return r`${book.figureName(f, say)}: først publisert som ${say.obs(f.first)}${first}, ${w.later} revidert til ${say.obs(f.current)}${later}.`;
    },
    missingNote(f, say) {
      const symbol = f.current.status!;
      return r`${book.figureName(f, say)}: ingen ${w.figures} ${w.from} SSB (${symbol} = ${w.symbols[symbol]}).`;
    },
    gapNote(measures, years, say) {
      return r`Datagrunnlaget har ${w.not} ${w.figures} for ${yearRanges(years, 'og')} for ${joinList(
        measures.map((m) => `«${say.m(m).label}»`),
        lang,
      )}.`;
    },
    notAskedNote: (years) => r`${book.charts.notAsked(years)}`,
    seriesBreakNote: () => r`${w.seriesBreak}`,
    usersBaseNote: (say) => r`${w.usersBase(say.words.users)}`,
    symbols: w.symbols,

    editionLine({ year, month, published, tableUpdated, revised }) {
      const parts = [`Referanseperiode: ${formatMonthYear(year, month, lang)}`];
      if (published || !tableUpdated) parts.push(`Publisert ${published ? date(published) : `(dato ${w.not} oppgitt)`}`);
      if (tableUpdated) parts.push(`${capitalise(w.figures)} ${w.from} StatBank, sist oppdatert ${date(tableUpdated)}`);
      if (revised === 'undated') parts.push(`${capitalise(w.later)} revidert (dato ${w.not} oppgitt)`);
      else if (revised) parts.push(`Sist revidert ${date(revised)}`);
      return parts.join(' · ');
    },
    about: {
      coverage: (say) => say.words.coverage,
      table: (id, label, updated) => `Tabell ${id}: ${label}${updated ? `, sist oppdatert ${formatDateTime(updated, lang)}` : ''}`,
      article: (title, published) => `Artikkel på ssb.no: «${title}»${published ? `, publisert ${date(published)}` : `, ${w.undated}`}`,
      nextRelease: (iso) => `Neste publisering: ${date(iso)}`,
      changes({ table, updated, added, revised, withdrawn }) {
        const count = (n: number, [one, many]: [string, string]) => (n ? `${n} ${n === 1 ? one : many}` : '');
        const parts = [count(added, w.added), count(revised, w.revised), count(withdrawn, w.withdrawn)].filter(Boolean);
        const when = updated ? `, oppdatert ${formatDateTime(updated, lang)}` : '';
        return `Tabell ${table}${when}: ${parts.length ? joinList(parts, lang) : w.noneChanged}.`;
      },
      changeItem: (name, before, after) => `${name}: ${w.from} ${before} til ${after}`,
    },
    charts: {
      trendTitle: (say) => `Bruk av ${say.words.topic} over tid`,
      typesTitle: (say) => capitalise(say.words.types),
      purposesTitle: (say) => capitalise(say.words.purposes),
      groupsTitle: (size, industry, say) => `Bruk av ${say.words.topic} etter ${size && industry ? `${w.size} og næring` : size ? w.size : 'næring'}`,
      subtitle: (period, whose) => `${w.Share} av ${whose}. ${period}. Prosent`,
      trendAlt(title, series, top) {
        const n = (value: number) => formatNumber(value, lang);
        const changes = series.map((s) =>
          s.last.value === s.first.value
            ? `${s.name} var ${n(s.last.value)} prosent både i ${s.first.year} og i ${s.last.year}`
            : `${s.name} ${s.last.value > s.first.value ? w.rose : w.fell} ${w.from} ${n(s.first.value)} prosent i ${s.first.year} til ${n(s.last.value)} prosent i ${s.last.year}`,
        );
        return [
          `Linjediagram: ${title}.`,
          ...changes.map((c) => `${c}.`),
          `${capitalise(w.highest)} verdi er ${n(top.value)} prosent (${top.name}, ${top.year}).`,
        ].join(' ');
      },
      barsAlt(title, top, bottom) {
        const low = bottom ? `, ${w.lowestAdv} ${bottom.name} med ${formatNumber(bottom.value, lang)} prosent` : '';
        return `${w.barChart}: ${title}. ${capitalise(w.highestAdv)} er ${top.name} med ${formatNumber(top.value, lang)} prosent${low}.`;
      },
      head: { trend: 'År', types: 'Type', purposes: capitalise(w.purpose), groups: 'Gruppe' },
      emptyCell: w.emptyCell,
      notAsked: (years) => `${w.notAsked} ${yearRanges(years, 'og')}.`,
    },
    ui: w.ui,
  };
  return book;
}
