/** The English words of the page and of the sentences' joints; their shape is every language's (PageWords). */

type Pair = [string, string];

export const words = {
  and: 'and',
  from: 'from',
  to: 'to',
  in: 'in',
  percent: 'per cent',
  quote: ['‘', '’'] as Pair,
  change: { unchanged: 'unchanged', up: 'up', down: 'down', lastAsked: 'when the question was last asked' },
  /** `on` comes before the date of the first publication ("on " in English). */
  notes: {
    firstPublished: 'first published as',
    on: 'on ',
    laterRevised: 'later revised to',
    noDate: 'date not given',
    noFigure: 'no figure from Statistics Norway',
    noFigures: 'This dataset has no figures',
    notAsked: 'The questions were not asked in',
    seriesBreak:
      'From 2026 the figures by industry are based on a new standard industrial classification (SN2025). Figures by industry before and after the change cannot be compared directly, and changes across it are not calculated here.',
    usersBase: (users: string) => `The shares for purposes are shares of ${users}, not of all enterprises.`,
  },
  edition: { referencePeriod: 'Reference period', fromStatBank: 'Figures from StatBank', revisedLater: 'Revised later', lastRevised: 'Last revised' },
  about: {
    table: 'table',
    lastUpdated: 'last updated',
    article: 'Article on ssb.no',
    published: 'published',
    undated: 'undated',
    nextRelease: 'Next release',
    updated: 'updated',
    added: ['new figure', 'new figures'] as Pair,
    revised: ['revised figure', 'revised figures'] as Pair,
    withdrawn: ['figure withdrawn', 'figures withdrawn'] as Pair,
    noneChanged: 'no figures changed',
  },
  charts: {
    useOf: 'Use of',
    overTime: 'over time',
    by: 'by',
    size: 'size',
    industry: 'industry',
    largerMore: 'Large enterprises are more active',
    shareOf: 'Share of',
    line: 'Line chart',
    bar: 'Bar chart',
    rose: 'rose',
    fell: 'fell',
    same: (name: string, value: string, first: number, last: number) => `${name} was ${value} in both ${first} and ${last}`,
    largest: 'The largest value is',
    highest: 'Highest is',
    lowest: 'lowest',
    at: 'at',
    head: { trend: 'Year', types: 'Type', purposes: 'Purpose', groups: 'Group' },
    emptyCell: 'Empty cell: this dataset does not have the figure.',
  },
  /**
   * The verb a measure is said with when its definition gives none, the population short after "of", what follows it
   * when its total is SSB's "all industries excluding finance" (Total-K), and a published bound ("more than 70 per cent").
   */
  terms: {
    verb: { present: 'use', past: 'used' },
    enterprises: 'enterprises',
    excludingFinance: 'outside the financial sector',
    bound: { over: 'more than', under: 'less than' },
  },
  symbols: {
    '.': 'not applicable',
    '..': 'data not available',
    ':': 'not for publication (confidential)',
    '-': 'nil',
    '*': 'provisional figure',
  },
  /** Words of the page itself. No digits: every number printed comes from the data (checked by a test). */
  ui: {
    brand: 'Figures from Statistics Norway',
    source: 'Source: Statistics Norway',
    page: 'Page',
    of: 'of',
    keyFigures: 'Key figures',
    notes: 'Notes',
    about: 'About the statistics',
    sources: 'Sources',
    readMore: 'Read more about the statistics',
    chartData: 'Data behind the chart',
    appendix: 'Table appendix',
    noteLabel: 'Note',
    tableNotes: 'Note from Statistics Norway',
    changesHeading: 'Changes at the latest update',
    licence: 'The figures are from Statistics Norway and free to use under the CC BY 4.0 licence.',
    author: 'ssb-briefing, with figures from Statistics Norway',
    percent: 'Per cent',
    articleLabel: 'article',
  },
};
/** The words of everything but the sentences of the text, in one language (text/en.ts, nn.ts, nb.ts). */
export type PageWords = typeof words;
