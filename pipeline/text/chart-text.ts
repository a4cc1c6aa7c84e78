import { formatPercent, type Lang } from './format.js';

/**
 * Chart titles and text alternatives. A text alternative states what the chart shows and its main finding,
 * always naming the largest value, from the same rows the chart is drawn from. Pure.
 */

export interface ChartRow {
  name: string;
  value: number;
  year?: number;
}

const words = {
  nn: {
    trendTitle: 'Bruk av sosiale medium over tid', typesTitle: 'Typar sosiale medium',
    purposesTitle: 'Kva føretaka bruker sosiale medium til', groupsTitle: 'Bruk av sosiale medium etter storleik og næring',
    bySize: 'Bruk av sosiale medium etter storleik', byIndustry: 'Bruk av sosiale medium etter næring',
    subtitle: (year: string) => `Del av føretaka med minst ti sysselsette. ${year}. Prosent`,
    line: 'Linjediagram', bar: 'Stolpediagram', rose: 'auka frå', fell: 'gjekk ned frå', to: 'til', in: 'i',
    highest: 'Høgast er', lowest: 'lågast', with: 'med', largest: 'Høgaste verdi er',
    heads: { trend: 'År', types: 'Type', purposes: 'Føremål', groups: 'Gruppe' },
    gaps: 'Stipla linje: år utan tal.', noFigure: 'Symbol: .. = talgrunnlag manglar.',
  },
  nb: {
    trendTitle: 'Bruk av sosiale medier over tid', typesTitle: 'Typer sosiale medier',
    purposesTitle: 'Hva foretakene bruker sosiale medier til', groupsTitle: 'Bruk av sosiale medier etter størrelse og næring',
    bySize: 'Bruk av sosiale medier etter størrelse', byIndustry: 'Bruk av sosiale medier etter næring',
    subtitle: (year: string) => `Andel av foretakene med minst ti sysselsatte. ${year}. Prosent`,
    line: 'Linjediagram', bar: 'Søylediagram', rose: 'økte fra', fell: 'gikk ned fra', to: 'til', in: 'i',
    highest: 'Høyest er', lowest: 'lavest', with: 'med', largest: 'Høyeste verdi er',
    heads: { trend: 'År', types: 'Type', purposes: 'Formål', groups: 'Gruppe' },
    gaps: 'Stiplet linje: år uten tall.', noFigure: 'Symbol: .. = tallgrunnlag mangler.',
  },
  en: {
    trendTitle: 'Use of social media over time', typesTitle: 'Types of social media',
    purposesTitle: 'What enterprises use social media for', groupsTitle: 'Use of social media by size and industry',
    bySize: 'Use of social media by size', byIndustry: 'Use of social media by industry',
    subtitle: (year: string) => `Share of enterprises with at least ten persons employed. ${year}. Per cent`,
    line: 'Line chart', bar: 'Bar chart', rose: 'rose from', fell: 'fell from', to: 'to', in: 'in',
    highest: 'Highest is', lowest: 'lowest', with: 'at', largest: 'The largest value is',
    heads: { trend: 'Year', types: 'Type', purposes: 'Purpose', groups: 'Group' },
    gaps: 'Dashed line: years without figures.', noFigure: 'Symbol: .. = data not available.',
  },
} satisfies Record<Lang, unknown>;

/** `groups` says what the groups are: size classes, industries or both. */
export function chartTitle(id: 'trend' | 'types' | 'purposes' | 'groups', lang: Lang, groups: { size: boolean; industry: boolean } = { size: true, industry: true }): string {
  const w = words[lang];
  const groupsTitle = groups.size && !groups.industry ? w.bySize : groups.industry && !groups.size ? w.byIndustry : w.groupsTitle;
  return { trend: w.trendTitle, types: w.typesTitle, purposes: w.purposesTitle, groups: groupsTitle }[id];
}

export function chartSubtitle(period: string, lang: Lang): string {
  return words[lang].subtitle(period);
}

/** The data table's first column heading: "År", "Type", "Føremål", "Gruppe". */
export function tableHead(id: 'trend' | 'types' | 'purposes' | 'groups', lang: Lang): string {
  return words[lang].heads[id];
}

/** Notes under a chart: dashed segments bridge years without figures; ".." marks an empty table cell. */
export function chartNotes(lang: Lang): { gaps: string; noFigure: string } {
  return { gaps: words[lang].gaps, noFigure: words[lang].noFigure };
}

/** "Linjediagram: … Sosiale nettverk auka frå 44 prosent i 2013 til 76 prosent i 2019. Høgaste verdi er 76 prosent (…, 2019)." */
export function trendAlt(title: string, rows: ChartRow[], lang: Lang): string {
  const w = words[lang];
  const names = [...new Set(rows.map((r) => r.name))];
  const changes = names.flatMap((name) => {
    const series = rows.filter((r) => r.name === name).sort((a, b) => a.year! - b.year!);
    if (series.length < 2 || series[0]!.value === series[series.length - 1]!.value) return [];
    const first = series[0]!;
    const last = series[series.length - 1]!;
    const verb = last.value >= first.value ? w.rose : w.fell;
    return [`${name} ${verb} ${formatPercent(first.value, lang)} ${w.in} ${first.year} ${w.to} ${formatPercent(last.value, lang)} ${w.in} ${last.year}`];
  });
  const top = largest(rows);
  const parts = [`${w.line}: ${title}.`];
  for (const change of changes) parts.push(`${change}.`);
  if (top) parts.push(`${w.largest} ${formatPercent(top.value, lang)} (${top.name}, ${top.year}).`);
  return parts.join(' ');
}

/** "Stolpediagram: … Høgast er X med 31 prosent, lågast Y med 12 prosent." */
export function barsAlt(title: string, rows: ChartRow[], lang: Lang): string {
  const w = words[lang];
  const top = largest(rows);
  const bottom = [...rows].sort((a, b) => a.value - b.value)[0];
  const parts = [`${w.bar}: ${title}.`];
  if (top) {
    let finding = `${w.highest} ${top.name} ${w.with} ${formatPercent(top.value, lang)}`;
    if (bottom && bottom !== top && rows.length > 1) finding += `, ${w.lowest} ${bottom.name} ${w.with} ${formatPercent(bottom.value, lang)}`;
    parts.push(`${finding}.`);
  }
  return parts.join(' ');
}

function largest(rows: ChartRow[]): ChartRow | undefined {
  return [...rows].sort((a, b) => b.value - a.value)[0];
}
