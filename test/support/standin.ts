import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { projectRoot } from '../../pipeline/io/paths.js';
import { maxBodyBytes } from '../../pipeline/statbank/transport.js';
import { startReplayServer, v2Prefix, type RecordedRequest, type ReplayFault, type ReplayResponse, type ReplayServer } from './replay-server.js';

/**
 * A StatBank stand-in: PxWebApi v2 answers for iktbrukn's social-media tables, made up but built after the real
 * table 13265 of the same survey (test/fixtures/ssb/v0/13265_*): SyssGrpIKT 00/02/03/04/05 and NACE2007 codes
 * with SSB's labels (Total+K and Total-K included), Nynorsk labels for lang=no and English for lang=en, role.time
 * and role.metric, extension.px (tableid, decimals, contents, language), the survey's two notes, and status "."
 * where a category is not in use.
 *
 *   10977  social media by type, SN2007, 2013, 2014, 2015, 2016, 2017, 2019, 2021, 2023, 2025
 *   10978  purposes of social media use, SN2007, 2013-2017 and odd years to 2023
 *   14933  social media and home page, SN2025 (industry not called NACE2007, before size), 2026
 *   10975, 11307, 13265  listed and described (GET /tables, /tables/{id}) only: their metadata and data are 404
 *
 * Figures: SSB's published ones (test/fixtures/statbank/published-figures.csv, the latest revision of each) where
 * they exist, otherwise plausible ones from fixed series per measure, a factor per size class and industry and a
 * small deterministic wobble: the same options give the same bytes.
 *
 * Routes (under /api/pxwebapi/v2): GET /tables?query=&lang=&pastDays=&includeDiscontinued=&pageNumber=&pageSize=,
 * GET /tables/{id}, GET /tables/{id}/metadata?lang=no|en, POST /tables/{id}/data?lang=… (the selection honoured:
 * codes, `*` and wildcards, top(n), bottom(n), range(a,b), from(a), to(b); an eliminable variable left out is its
 * elimination code; JSON-stat 2.0 of just the selected cells), 404 Problem JSON "Non-existent table" for other ids,
 * PxWebApi's 400 Problem JSON for a bad selection and its empty 500 for a repeated code.
 *
 * Run it: `node dist/test/support/standin.js --shape typesAsDimension --port 0` prints its v2 URL.
 */

export type StandinShape = 'typesAsDimension' | 'typesAsContents' | 'industryFirst' | 'unguessedIndustryCode' | 'extraMeasure';
export const standinShapes: readonly StandinShape[] = ['typesAsDimension', 'typesAsContents', 'industryFirst', 'unguessedIndustryCode', 'extraMeasure'];

export type StandinFault = 'unavailable' | 'oversize' | 'gzipBomb' | 'redirectPost' | 'malformedUpdated' | 'renamedCode';
export const standinFaults: readonly StandinFault[] = ['unavailable', 'oversize', 'gzipBomb', 'redirectPost', 'malformedUpdated', 'renamedCode'];

export interface StandinOptions {
  /**
   * How the tables are laid out; combine freely. `typesAsDimension`: the social-media types are a dimension of
   * their own (`SosMedType`) and ContentsCode has one code; `typesAsContents` (the default): the types are
   * ContentsCode values. `industryFirst`: industry before size in 10977 and 10978 (14933 always has it first).
   * `unguessedIndustryCode`: the industry variable is `Naering`, not NACE2007/NACE2025. `extraMeasure`: 10977 and
   * 14933 also measure paid advertising on social media, which no definition asks for.
   */
  shapes?: StandinShape[];
  /** Which release StatBank is at: 2025 (10977 current, no 14933) or 2026 (14933 out, 10977 and 10978 discontinued). @default 2026 */
  asOf?: 2025 | 2026;
  /** The clock for pastDays. @default Date.now */
  now?: () => number;
  /** @default 40 (SSB's) */
  rateLimit?: number;
  /** @default 60 */
  windowSeconds?: number;
  /** @default 0 (a free port) */
  port?: number;
}

export interface TableChange {
  /** A new `updated` (written as given, malformed or not) in the table info, the metadata and the data. */
  updated?: string;
  discontinued?: boolean;
  /** A code renamed in one dimension, keeping its position, label and figures. */
  renameCode?: { dimension: string; from: string; to: string };
  /** Revise the figures of every cell whose original codes include `where`: each value plus `add` (at most 100). */
  revise?: { where: Record<string, string>; add: number };
}

export interface Standin {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `${url}/api/pxwebapi/v2`: the client's baseUrl (SSB_API_URL). */
  v2Url: string;
  /** Every request, in order (see ReplayServer). */
  requests: RecordedRequest[];
  /** The server underneath, for faults of its own kinds. */
  server: ReplayServer;
  /** Ids of the tables with metadata and data. */
  tableIds(): string[];
  /** Make a table a later version of itself (or a broken one). */
  update(id: string, change: TableChange): void;
  /**
   * One of the standard faults: `unavailable` 503 for every request; `oversize` a data answer larger than the
   * client's bound for `maxCells` (default 800,000) cells, with or without Content-Length; `gzipBomb` a ~2 MB gzip
   * data answer that inflates to 2 GiB; `redirectPost` a 307 on every data POST; `malformedUpdated` 10977 updated
   * "2025-02-30T06:00:00Z"; `renamedCode` 10977 in a later version with NACE "58-63" renamed "58-63X".
   */
  fault(kind: StandinFault, options?: { maxCells?: number; declareLength?: boolean; table?: string }): void;
  clearFaults(): void;
  close(): Promise<void>;
}

type Lang = 'no' | 'en';
interface Text {
  no: string;
  en: string;
}
interface Code {
  code: string;
  label: Text;
}
interface Dim {
  id: string;
  label: Text;
  codes: Code[];
  role?: 'time' | 'metric';
  elimination: boolean;
  eliminationValueCode?: string;
  /** For ContentsCode: the unit. */
  unit?: boolean;
}
/** A cell's figure and SSB status symbol (null value with "." for not in use, ":" confidential, ".." missing). */
interface Cell {
  value: number | null;
  status?: string;
}
interface TableModel {
  id: string;
  title: Text;
  contents: Text;
  firstPeriod: string;
  lastPeriod: string;
  updated: string;
  discontinued: boolean;
  dims: Dim[];
  /** Original code -> current code, per dimension, after renames. */
  renamed: Map<string, Map<string, string>>;
  /** The figure of a cell, by the original codes. */
  cell(codes: Record<string, string>): Cell;
  /** Listed and described only. */
  listedOnly?: boolean;
}

const paths = [
  [
    { id: 'tk', label: 'Teknologi og innovasjon' },
    { id: 'iktbrukn', label: 'Bruk av IKT i næringslivet' },
  ],
];
const pathsEn = [
  [
    { id: 'tk', label: 'Technology and innovation' },
    { id: 'iktbrukn', label: 'ICT usage in enterprises' },
  ],
];

const notes: Text[] = [
  { no: 'Føretak med minst 10 sysselsette er med i undersøkinga.', en: 'Enterprises with at least 10 persons employed are included in the survey.' },
  {
    no: '. = Ikke mulig å oppgi tall. Tall finnes ikke på dette tidspunktet fordi kategorien ikke var i bruk da tallene ble samlet inn.',
    en: '. = Not possible to state figures. Figures do not exist at this time, because the category was not in use when the figures were collected.',
  },
];

const sizeDim = (): Dim => ({
  id: 'SyssGrpIKT',
  label: { no: 'sysselsette', en: 'number of persons employed' },
  elimination: true,
  eliminationValueCode: '00',
  codes: [
    { code: '00', label: { no: 'Alle sysselsette', en: 'All enterprises (10 or more persons employed)' } },
    { code: '02', label: { no: '10-19 sysselsette', en: '10-19 persons employed' } },
    { code: '03', label: { no: '20-49 sysselsette', en: '20-49 persons employed' } },
    { code: '04', label: { no: '50-99 sysselsette', en: '50-99 persons employed' } },
    { code: '05', label: { no: '100 sysselsette eller fleire', en: '100 or more persons employed' } },
  ],
});

/** As in the real table 13265. */
const sn2007Codes: Code[] = [
  { code: 'Total+K', label: { no: 'Alle næringer, inkludert finansnæringene', en: 'All industries, including financial activities' } },
  { code: 'Total-K', label: { no: 'Alle næringer, uten finansnæringene', en: 'All industries, excluding financial activities' } },
  {
    code: '10-39',
    label: { no: 'Industri, kraftforsyning, vatn, avløp og renovasjon', en: 'Manufacturing, electricity, water supply, sewerage and waste management' },
  },
  { code: '41-43', label: { no: 'Byggje- og anleggsverksemd', en: 'Construction' } },
  { code: '45', label: { no: 'Handel med og reparasjon av motorvogner', en: 'Trade and repair of motor vehicles' } },
  { code: '46', label: { no: 'Agentur- og engroshandel med unntak av motorvogner', en: 'Wholesale trade, except of motor vehicles' } },
  { code: '47', label: { no: 'Detaljhandel med unntak av motorvogner', en: 'Retail trade, except of motor vehicles' } },
  { code: '49-53', label: { no: 'Transport og lagring', en: 'Transportation and storage' } },
  { code: '55-56', label: { no: 'Overnattings- og serveringsverksemd', en: 'Accommodation and food service activities' } },
  { code: '58-63', label: { no: 'Informasjon og kommunikasjon', en: 'Information and communication' } },
  { code: '64-66', label: { no: 'Finansierings- og forsikringsverksemd', en: 'Financial and insurance activities' } },
  { code: '68-74+77-82+95.1', label: { no: 'Anna tenesteyting, unntatt veterinærtenester', en: 'Other services, excluding veterinary activities' } },
  { code: '68-75+77-82+95.1', label: { no: 'Anna tenesteyting, inklusive veterinærtenester', en: 'Other services, including veterinary activities' } },
];

/** A guess at SN2025's grouping: 58-63 split into 58-60 and 61-63; motor-vehicle trade (45) folded into 46 and 47. */
const sn2025Codes: Code[] = [
  { code: 'Total', label: { no: 'Alle næringar', en: 'All industries' } },
  {
    code: '10-39',
    label: { no: 'Industri, kraftforsyning, vatn, avløp og renovasjon', en: 'Manufacturing, electricity, water supply, sewerage and waste management' },
  },
  { code: '41-43', label: { no: 'Byggje- og anleggsverksemd', en: 'Construction' } },
  { code: '46', label: { no: 'Engroshandel', en: 'Wholesale trade' } },
  { code: '47', label: { no: 'Detaljhandel', en: 'Retail trade' } },
  { code: '49-53', label: { no: 'Transport og lagring', en: 'Transportation and storage' } },
  { code: '55-56', label: { no: 'Overnattings- og serveringsverksemd', en: 'Accommodation and food service activities' } },
  {
    code: '58-60',
    label: { no: 'Forlagsverksemd, kringkasting og produksjon av innhald', en: 'Publishing, broadcasting, and content production and distribution' },
  },
  {
    code: '61-63',
    label: { no: 'Telekommunikasjon, IT-tenester og informasjonstenester', en: 'Telecommunication, computer programming, consulting and information services' },
  },
  { code: '64-66', label: { no: 'Finansierings- og forsikringsverksemd', en: 'Financial and insurance activities' } },
  { code: '68-82', label: { no: 'Anna tenesteyting', en: 'Other services' } },
];

const industryDim = (classification: 'SN2007' | 'SN2025', unguessed: boolean): Dim => ({
  id: unguessed ? 'Naering' : classification === 'SN2007' ? 'NACE2007' : 'NACE2025',
  label: { no: `næring (${classification})`, en: `industry (${classification === 'SN2007' ? 'SIC2007' : 'SIC2025'})` },
  elimination: false,
  codes: classification === 'SN2007' ? sn2007Codes : sn2025Codes,
});

const timeDim = (years: number[]): Dim => ({
  id: 'Tid',
  label: { no: 'år', en: 'year' },
  role: 'time',
  elimination: false,
  codes: years.map((y) => ({ code: String(y), label: { no: String(y), en: String(y) } })),
});

const contentsDim = (codes: Code[]): Dim => ({
  id: 'ContentsCode',
  label: { no: 'statistikkvariabel', en: 'contents' },
  role: 'metric',
  elimination: false,
  unit: true,
  codes,
});

/** A measure of the family: its code, SSB's labels, the published-figures key and its series for all enterprises. */
interface MeasureDef {
  code: string;
  label: Text;
  key: string;
  /** Year -> percent of all enterprises (all industries incl. finance); a year absent was not asked: ".". */
  series: Record<number, number>;
}

/** Labels as SSB printed them in its 2019 article's figure ("Stadig fleire føretak nyttar sosiale medium"). */
const socialMedia: MeasureDef[] = [
  {
    code: 'SosMedium',
    key: 'any_social_media',
    label: { no: 'Nyttar sosiale medium', en: 'Uses social media' },
    series: { 2013: 50, 2014: 56, 2015: 63, 2016: 70, 2017: 72, 2019: 76, 2021: 79, 2023: 81, 2025: 83, 2026: 84 },
  },
  {
    code: 'Nettsamfunn',
    key: 'social_networks',
    label: { no: 'Nettsamfunn (t.d. Facebook, Linkedin)', en: 'Social networks (e.g. Facebook, LinkedIn)' },
    series: { 2013: 44, 2014: 51, 2015: 59, 2016: 67, 2017: 71, 2019: 76, 2021: 78, 2023: 80, 2025: 82, 2026: 83 },
  },
  {
    code: 'Blogg',
    key: 'blogs_microblogs',
    label: { no: 'Føretaksblogg eller mikroblogg (t.d. Twitter)', en: "Enterprise's blog or microblogs (e.g. Twitter)" },
    series: { 2013: 9, 2015: 10, 2017: 11, 2019: 10, 2021: 9, 2023: 8, 2025: 7, 2026: 7 },
  },
  {
    code: 'Multimedia',
    key: 'multimedia_sharing',
    label: { no: 'Nettstader for deling av multimedieinnhald (t.d. YouTube)', en: 'Multimedia content sharing websites (e.g. YouTube)' },
    series: { 2013: 12, 2015: 14, 2017: 15, 2019: 15, 2021: 19, 2023: 22, 2025: 24, 2026: 25 },
  },
  {
    code: 'Wiki',
    key: 'wikis',
    label: { no: 'Digitale dugnadsarenaer (t.d. wikiar)', en: 'Wiki-based knowledge sharing tools' },
    series: { 2013: 5, 2015: 5, 2017: 5, 2019: 5, 2021: 6, 2023: 6, 2025: 6, 2026: 6 },
  },
];
const paidAdvertising: MeasureDef = {
  code: 'BetaltAnnonse',
  key: 'paid_advertising',
  label: { no: 'Betalt annonsering på sosiale medium', en: 'Paid advertising on social media' },
  series: { 2015: 21, 2017: 27, 2019: 33, 2021: 36, 2023: 39, 2025: 41, 2026: 42 },
};
const homePage: MeasureDef = {
  code: 'Heimeside',
  key: 'website',
  label: { no: 'Har heimeside', en: 'Has a website' },
  series: { 2026: 86 },
};
const purposes: MeasureDef[] = [
  {
    code: 'FormaalMarknad',
    key: 'purpose_marketing_image',
    label: { no: 'Marknadsføring av produkt eller å byggje biletet av føretaket', en: "Develop the enterprise's image or market products" },
    series: { 2013: 31, 2014: 40, 2015: 51, 2016: 55, 2017: 58, 2019: 62, 2021: 65, 2023: 67 },
  },
  {
    code: 'FormaalRekruttering',
    key: 'purpose_recruitment',
    label: { no: 'Rekruttering av tilsette', en: 'Recruit employees' },
    series: { 2013: 24, 2014: 27, 2015: 30, 2016: 32, 2017: 35, 2019: 38, 2021: 40, 2023: 42 },
  },
  {
    code: 'FormaalKundeSyn',
    key: 'purpose_customer_views',
    label: { no: 'Innhente eller svare på synspunkt og spørsmål frå kundar', en: "Obtain or respond to customers' opinions, reviews, questions" },
    series: { 2013: 22, 2014: 25, 2015: 28, 2016: 30, 2017: 32, 2019: 34, 2021: 35, 2023: 36 },
  },
  {
    code: 'FormaalKunnskap',
    key: 'purpose_internal_knowledge',
    label: { no: 'Utveksle synspunkt eller kunnskap internt i føretaket', en: 'Exchange views, opinions or knowledge within the enterprise' },
    series: { 2013: 18, 2014: 19, 2015: 20, 2016: 21, 2017: 22, 2019: 23, 2021: 24, 2023: 24 },
  },
  {
    code: 'FormaalSamarbKunde',
    key: 'purpose_collab_customers',
    label: { no: 'Samarbeid med kundar om utvikling av varer og tenester', en: 'Involve customers in development or innovation of goods or services' },
    series: { 2013: 13, 2014: 14, 2015: 15, 2016: 16, 2017: 17, 2019: 18, 2021: 19, 2023: 19 },
  },
  {
    code: 'FormaalSamarbPartnar',
    key: 'purpose_collab_partners',
    label: { no: 'Samarbeid med leverandørar eller andre partnarar', en: 'Collaborate with business partners or other organisations' },
    series: { 2013: 12, 2014: 13, 2015: 14, 2016: 14, 2017: 15, 2019: 16, 2021: 17, 2023: 17 },
  },
  {
    code: 'FormellPolitikk',
    key: 'formal_policy',
    label: { no: 'Har ein formell politikk for bruk av sosiale medium', en: 'Has a formal policy for the use of social media' },
    series: { 2013: 18, 2015: 22, 2017: 25 },
  },
];

/** Odds ratios against all enterprises: a factor on p / (100 - p), so figures bend towards 0 and 100 and never pass them. */
const sizeOdds: Record<string, number> = { '00': 1, '02': 0.75, '03': 0.95, '04': 1.2, '05': 1.5 };
const industryOdds: Record<string, number> = {
  'Total+K': 1,
  'Total-K': 0.98,
  Total: 1,
  '10-39': 0.7,
  '41-43': 0.6,
  '45': 1.6,
  '46': 0.9,
  '47': 1.3,
  '49-53': 0.6,
  '55-56': 1.4,
  '58-63': 2.2,
  '58-60': 2.6,
  '61-63': 2,
  '64-66': 1.1,
  '68-74+77-82+95.1': 1,
  '68-75+77-82+95.1': 1,
  '68-82': 1,
};

/** SSB's published figures, the last row of each (year, measure, size, industry): its latest revision. */
function publishedFigures(): Map<string, number> {
  const text = readFileSync(join(projectRoot, 'test/fixtures/statbank/published-figures.csv'), 'utf8');
  const figures = new Map<string, number>();
  for (const line of text.split('\n').slice(1)) {
    // The first five fields never hold a comma or a quote.
    const [year, measure, size, industry, value] = line.split(',');
    if (value && /^\d+(\.\d+)?$/.test(value)) figures.set(`${year}|${measure}|${size}|${industry}`, Number(value));
  }
  return figures;
}

/** A number in [-2, 2] fixed by the text: the deterministic wobble of a cell. */
function wobble(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return ((h >>> 0) % 5) - 2;
}

/** The figure of one cell of a measure, by the original codes. */
function figure(table: string, def: MeasureDef, year: number, size: string, industry: string, published: Map<string, number>): Cell {
  const base = def.series[year];
  if (base === undefined) return { value: null, status: '.' };
  // Other services were grouped without veterinary activities until 2019 and with them from 2021.
  if (industry === '68-74+77-82+95.1' && year >= 2021) return { value: null, status: '.' };
  if (industry === '68-75+77-82+95.1' && year < 2021) return { value: null, status: '.' };
  // Too few small financial enterprises keep blogs or wikis to publish.
  if (industry === '64-66' && size === '02' && (def.key === 'wikis' || def.key === 'blogs_microblogs')) return { value: null, status: ':' };
  const known = published.get(`${year}|${def.key}|${size}|${industry === 'Total' ? 'Total+K' : industry}`);
  if (known !== undefined) return { value: known };
  const headline = size === '00' && (industry === 'Total+K' || industry === 'Total');
  if (headline) return { value: base };
  const odds = (base / (100 - base)) * (sizeOdds[size] ?? 1) * (industryOdds[industry] ?? 1);
  const scaled = (100 * odds) / (1 + odds) + wobble(`${table}|${def.code}|${year}|${size}|${industry}`);
  return { value: Math.max(0, Math.min(99, Math.round(scaled))) };
}

interface Family {
  tables: Map<string, TableModel>;
}

function buildFamily(shapes: Set<StandinShape>, asOf: 2025 | 2026): Family {
  const published = publishedFigures();
  const typesAsDimension = shapes.has('typesAsDimension');
  const unguessed = shapes.has('unguessedIndustryCode');
  const tables = new Map<string, TableModel>();

  /** A table whose measures are `defs`: as ContentsCode values, or as a dimension of their own with one ContentsCode. */
  const table = (
    id: string,
    title: Text,
    contents: Text,
    years: number[],
    defs: MeasureDef[],
    classification: 'SN2007' | 'SN2025',
    industryFirst: boolean,
    asDimension: { id: string; label: Text } | null,
    updated: string,
    discontinued: boolean,
  ): TableModel => {
    const size = sizeDim();
    const industry = industryDim(classification, unguessed);
    const measureCodes = defs.map((d) => ({ code: d.code, label: d.label }));
    const measureDims: Dim[] = asDimension
      ? [
          { id: asDimension.id, label: asDimension.label, elimination: false, codes: measureCodes },
          contentsDim([{ code: 'Foretak', label: { no: 'Føretak (prosent)', en: 'Enterprises (per cent)' } }]),
        ]
      : [contentsDim(measureCodes)];
    const dims = [...(industryFirst ? [industry, size] : [size, industry]), ...measureDims, timeDim(years)];
    const byCode = new Map(defs.map((d) => [d.code, d]));
    return {
      id,
      title,
      contents,
      firstPeriod: String(years[0]),
      lastPeriod: String(years.at(-1)),
      updated,
      discontinued,
      dims,
      renamed: new Map(),
      cell(codes) {
        const def = byCode.get(asDimension ? codes[asDimension.id]! : codes.ContentsCode!)!;
        return figure(id, def, Number(codes.Tid), codes.SyssGrpIKT!, codes[industry.id]!, published);
      },
    };
  };

  const types = [...socialMedia, ...(shapes.has('extraMeasure') ? [paidAdvertising] : [])];
  const typeDim = { id: 'SosMedType', label: { no: 'type sosiale medium', en: 'type of social media' } };
  tables.set(
    '10977',
    table(
      '10977',
      {
        no: 'Bruk av sosiale medium, etter type og sysselsetting og næring (SN2007) (prosent)',
        en: 'Use of social media, by type, number of persons employed and industry (SIC2007) (per cent)',
      },
      { no: '10977: Bruk av sosiale medium (prosent),', en: '10977: Use of social media (per cent),' },
      [2013, 2014, 2015, 2016, 2017, 2019, 2021, 2023, 2025],
      types,
      'SN2007',
      shapes.has('industryFirst'),
      typesAsDimension ? typeDim : null,
      '2025-09-24T06:00:00Z',
      asOf >= 2026,
    ),
  );
  tables.set(
    '10978',
    table(
      '10978',
      {
        no: 'Formål med bruk av sosiale medium, etter sysselsetting og næring (SN2007) (prosent)',
        en: 'Purpose of the use of social media, by number of persons employed and industry (SIC2007) (per cent)',
      },
      { no: '10978: Formål med bruk av sosiale medium (prosent),', en: '10978: Purpose of the use of social media (per cent),' },
      [2013, 2014, 2015, 2016, 2017, 2019, 2021, 2023],
      purposes,
      'SN2007',
      shapes.has('industryFirst'),
      null,
      '2023-09-26T06:00:00Z',
      asOf >= 2026,
    ),
  );
  if (asOf >= 2026) {
    tables.set(
      '14933',
      table(
        '14933',
        {
          no: 'Bruk av sosiale medium og heimeside (prosent), etter næring (SN2025), sysselsette',
          en: 'Use of social media and website (per cent), by industry (SIC2025), persons employed',
        },
        { no: '14933: Bruk av sosiale medium og heimeside (prosent),', en: '14933: Use of social media and website (per cent),' },
        [2026],
        [homePage, ...types],
        'SN2025',
        true,
        typesAsDimension ? { id: 'BrukType', label: { no: 'type bruk', en: 'type of use' } } : null,
        '2026-09-25T06:00:00Z',
        false,
      ),
    );
  }
  const listed = (id: string, title: Text, first: number, last: number, updated: string, discontinued: boolean): TableModel => ({
    id,
    title,
    contents: title,
    firstPeriod: String(first),
    lastPeriod: String(last),
    updated,
    discontinued,
    renamed: new Map(),
    dims: [sizeDim(), industryDim('SN2007', false), contentsDim([]), timeDim([])],
    cell: () => ({ value: null }),
    listedOnly: true,
  });
  tables.set(
    '10975',
    listed(
      '10975',
      {
        no: 'Formål med eiga heimeside, etter sysselsetting og næring (SN2007) (prosent)',
        en: 'Purpose of own website, by number of persons employed and industry (SIC2007) (per cent)',
      },
      2011,
      2025,
      '2025-09-24T06:00:00Z',
      asOf >= 2026,
    ),
  );
  tables.set(
    '11307',
    listed(
      '11307',
      {
        no: 'Bruk av betalt reklame på internett, etter sysselsetting og næring (SN 2007) (prosent)',
        en: 'Use of paid advertising on the internet, by number of persons employed and industry (SIC 2007) (per cent)',
      },
      2016,
      2024,
      '2024-09-24T06:00:00Z',
      true,
    ),
  );
  tables.set(
    '13265',
    listed(
      '13265',
      {
        no: 'Bruk av kunstig intelligens-teknologi, etter sysselsetting og næring (SN2007) (prosent)',
        en: 'Use of artificial intelligence technologies, by number of persons employed and industry (SIC2007) (per cent)',
      },
      2021,
      2025,
      '2025-09-24T06:00:00Z',
      asOf >= 2026,
    ),
  );
  return { tables };
}

// ---- answers ---------------------------------------------------------------------------------------------------

const problem = (status: number, title: string, type = title): ReplayResponse => ({
  status,
  headers: { 'content-type': 'application/problem+json; charset=utf-8' },
  body: { type, title, status },
});

const currentCode = (t: TableModel, dim: string, original: string) => t.renamed.get(dim)?.get(original) ?? original;
const originalCode = (t: TableModel, dim: string, current: string) => {
  for (const [from, to] of t.renamed.get(dim) ?? []) if (to === current) return from;
  return current;
};

function tableInfo(t: TableModel, lang: Lang, base: string) {
  const label = `${t.id}: ${t.title[lang]} ${t.firstPeriod}-${t.lastPeriod}`;
  return {
    type: 'Table',
    id: t.id,
    label,
    description: '',
    sortCode: t.id,
    updated: t.updated,
    firstPeriod: t.firstPeriod,
    lastPeriod: t.lastPeriod,
    category: 'public',
    variableNames: t.dims.map((d) => d.label[lang]),
    discontinued: t.discontinued,
    subjectCode: 'tk',
    timeUnit: 'Annual',
    paths: lang === 'no' ? paths : pathsEn,
    links: [
      { rel: 'self', hreflang: lang, href: `${base}/tables/${t.id}?lang=${lang}` },
      { rel: 'metadata', hreflang: lang, href: `${base}/tables/${t.id}/metadata?lang=${lang}&outputFormat=json-stat2` },
      { rel: 'data', hreflang: lang, href: `${base}/tables/${t.id}/data?lang=${lang}&outputFormat=json-stat2` },
    ],
  };
}

/** A JSON-stat 2.0 dataset of `t` with the chosen codes of each dimension (all for metadata), values when `withValues`. */
function jsonStat(t: TableModel, lang: Lang, chosen: Code[][], withValues: boolean, href: string): Record<string, unknown> {
  const dimension: Record<string, unknown> = {};
  t.dims.forEach((d, k) => {
    const codes = chosen[k]!.map((c) => currentCode(t, d.id, c.code));
    dimension[d.id] = {
      label: d.label[lang],
      category: {
        index: Object.fromEntries(codes.map((c, i) => [c, i])),
        label: Object.fromEntries(codes.map((c, i) => [c, chosen[k]![i]!.label[lang]])),
        ...(d.unit ? { unit: Object.fromEntries(codes.map((c) => [c, { base: lang === 'no' ? 'prosent' : 'per cent', decimals: 0 }])) } : {}),
      },
      extension: {
        elimination: d.elimination,
        ...(d.eliminationValueCode ? { eliminationValueCode: d.eliminationValueCode } : {}),
        show: d.role === 'time' ? 'code' : 'value',
      },
    };
  });
  const size = chosen.map((c) => c.length);
  const doc: Record<string, unknown> = {
    version: '2.0',
    class: 'dataset',
    ...(withValues ? {} : { href }),
    label: `${t.id}: ${t.title[lang]}`,
    source: lang === 'no' ? 'Statistisk sentralbyrå' : 'Statistics Norway',
    updated: t.updated,
    note: notes.map((n) => n[lang]),
    role: { time: t.dims.filter((d) => d.role === 'time').map((d) => d.id), metric: t.dims.filter((d) => d.role === 'metric').map((d) => d.id) },
    id: t.dims.map((d) => d.id),
    size,
    dimension,
    extension: {
      px: {
        infofile: 'None',
        tableid: t.id,
        decimals: 0,
        'official-statistics': true,
        aggregallowed: false,
        language: lang,
        contents: t.contents[lang],
        descriptiondefault: false,
        heading: t.dims.slice(-2).map((d) => d.id),
        stub: t.dims.slice(0, -2).map((d) => d.id),
        'subject-code': 'tk',
        'subject-area': lang === 'no' ? 'Teknologi og innovasjon' : 'Technology and innovation',
      },
      contact: [
        {
          name: ' IKT i næringslivet',
          phone: '40 90 26 31',
          mail: 'iktbrukn@ssb.no',
          raw: ' IKT i næringslivet, Statistisk sentralbyrå# +47 40 90 26 31#iktbrukn@ssb.no',
        },
      ],
    },
    value: [],
  };
  if (!withValues) return doc;
  const value: (number | null)[] = [];
  const status: Record<string, string> = {};
  const total = size.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    const codes: Record<string, string> = {};
    let rest = flat;
    for (let k = t.dims.length - 1; k >= 0; k--) {
      codes[t.dims[k]!.id] = chosen[k]![rest % size[k]!]!.code;
      rest = Math.floor(rest / size[k]!);
    }
    const cell = t.cell(codes);
    value.push(cell.value);
    if (cell.status) status[String(flat)] = cell.status;
  }
  return { ...doc, value, status };
}

/** The codes of `dim` an expression list selects, in the table's order; a Problem answer when it can't. */
function resolve(t: TableModel, dim: Dim, valueCodes: unknown): Code[] | ReplayResponse {
  if (!Array.isArray(valueCodes) || valueCodes.some((c) => typeof c !== 'string')) return problem(400, 'Illegal selection expression', 'Parameter error');
  const current = dim.codes.map((c) => currentCode(t, dim.id, c.code));
  const picked = new Set<number>();
  const seen = new Set<string>();
  for (const raw of valueCodes as string[]) {
    if (seen.has(raw)) return { status: 500, headers: { 'content-type': 'text/plain' }, body: '' }; // as SSB does
    seen.add(raw);
    const expr = raw.replace(/^\[(.*)\]$/, '$1').trim();
    const count = /^(top|bottom)\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/i.exec(expr);
    const bounds = /^(range|from|to)\(\s*([^,)]+?)\s*(?:,\s*([^)]+?)\s*)?\)$/i.exec(expr);
    if (count) {
      const n = Number(count[2]);
      const offset = Number(count[3] ?? 0);
      const positions = current.map((_, i) => i);
      const take = count[1]!.toLowerCase() === 'top' ? positions.reverse().slice(offset, offset + n) : positions.slice(offset, offset + n);
      for (const i of take) picked.add(i);
    } else if (bounds) {
      const kind = bounds[1]!.toLowerCase();
      const at = (code: string | undefined) => (code === undefined ? -1 : current.indexOf(code));
      const from = kind === 'to' ? 0 : at(bounds[2]);
      const to = kind === 'from' ? current.length - 1 : at(kind === 'to' ? bounds[2] : bounds[3]);
      if (from < 0 || to < 0) return problem(400, 'Non-existent value', 'Parameter error');
      for (let i = from; i <= to; i++) picked.add(i);
    } else if (/[*?]/.test(expr)) {
      const pattern = new RegExp(
        `^${expr
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      );
      current.forEach((c, i) => {
        if (pattern.test(c)) picked.add(i);
      });
    } else {
      const i = current.indexOf(expr);
      if (i < 0) return problem(400, 'Non-existent value', 'Parameter error');
      picked.add(i);
    }
  }
  return [...picked].sort((a, b) => a - b).map((i) => dim.codes[i]!);
}

function dataAnswer(t: TableModel, r: RecordedRequest, lang: Lang, maxCells: number): ReplayResponse {
  const body = r.body as { selection?: unknown } | undefined;
  const selection = body?.selection ?? [];
  if (!Array.isArray(selection)) return problem(400, 'Illegal selection expression', 'Parameter error');
  const byVariable = new Map<string, unknown>();
  for (const s of selection as { variableCode?: unknown; valueCodes?: unknown }[]) {
    if (typeof s?.variableCode !== 'string' || !t.dims.some((d) => d.id === s.variableCode)) return problem(400, 'Non-existent variable', 'Parameter error');
    byVariable.set(s.variableCode, s.valueCodes);
  }
  const chosen: Code[][] = [];
  for (const d of t.dims) {
    if (!byVariable.has(d.id)) {
      // No selection at all: a small default slice (the latest period, the first code elsewhere, all measures).
      if (byVariable.size === 0)
        chosen.push(
          d.role === 'time' ? d.codes.slice(-1) : d.role === 'metric' || d.id === 'SosMedType' || d.id === 'BrukType' ? d.codes : d.codes.slice(0, 1),
        );
      else if (d.elimination) chosen.push(d.codes.filter((c) => c.code === (d.eliminationValueCode ?? d.codes[0]!.code)));
      else return problem(400, 'Missing selection for mandantory variable', 'Parameter error');
      continue;
    }
    const codes = resolve(t, d, byVariable.get(d.id));
    if (!Array.isArray(codes)) return codes;
    chosen.push(codes);
  }
  if (chosen.reduce((a, c) => a * c.length, 1) > maxCells) return problem(403, 'Too many cells selected');
  return { body: jsonStat(t, lang, chosen, true, '') };
}

function searchAnswer(tables: TableModel[], r: RecordedRequest, lang: Lang, base: string, now: number): ReplayResponse {
  const q = new URLSearchParams(r.query);
  const words = (q.get('query') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const pastDays = q.get('pastDays');
  const includeDiscontinued = q.get('includeDiscontinued') === 'true';
  const pageNumber = Math.max(1, Number(q.get('pageNumber') ?? 1) || 1);
  const pageSize = Math.max(1, Number(q.get('pageSize') ?? q.get('pagesize') ?? 20) || 20);
  if (pastDays !== null && !(Number(pastDays) >= 1)) return problem(400, 'Parameter error');
  const found = tables
    .filter((t) => {
      if (t.discontinued && !includeDiscontinued) return false;
      if (pastDays !== null && Date.parse(t.updated) < now - Number(pastDays) * 86_400_000) return false;
      const text = `${t.id} ${t.title[lang]} ${t.dims.map((d) => d.label[lang]).join(' ')}`.toLowerCase();
      return words.every((w) => text.includes(w));
    })
    .sort((a, b) => a.id.localeCompare(b.id));
  const totalPages = Math.max(1, Math.ceil(found.length / pageSize));
  const link = (rel: string, n: number) => ({
    rel,
    hreflang: lang,
    href: `${base}/tables/?lang=${lang}&query=${encodeURIComponent(q.get('query') ?? '')}&pagesize=${pageSize}&pageNumber=${n}`,
  });
  return {
    body: {
      language: lang,
      tables: found.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((t) => tableInfo(t, lang, base)),
      page: {
        pageNumber,
        pageSize,
        totalElements: found.length,
        totalPages,
        links: [
          ...(pageNumber < totalPages ? [link('next', pageNumber + 1)] : []),
          ...(pageNumber > 1 ? [link('previous', pageNumber - 1)] : []),
          link('last', totalPages),
        ],
      },
      links: [link('self', pageNumber)],
    },
  };
}

// ---- the server ------------------------------------------------------------------------------------------------

export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
  const shapes = new Set<StandinShape>(options.shapes ?? ['typesAsContents']);
  const { tables } = buildFamily(shapes, options.asOf ?? 2026);
  const now = options.now ?? Date.now;
  const servedCells = 800_000;
  let v2Url = '';

  const handler = (r: RecordedRequest): ReplayResponse | undefined => {
    if (!r.path.startsWith(`${v2Prefix}/`)) return undefined;
    const lang = new URLSearchParams(r.query).get('lang') ?? 'no';
    if (lang !== 'no' && lang !== 'en') return problem(400, 'Unsupported language', 'Parameter error');
    const rest = r.path.slice(v2Prefix.length);
    if (r.method === 'GET' && (rest === '/tables' || rest === '/tables/')) return searchAnswer([...tables.values()], r, lang, v2Url, now());
    const m = /^\/tables\/([^/]+)(\/metadata|\/data)?$/.exec(rest);
    if (!m) return undefined;
    const t = tables.get(decodeURIComponent(m[1]!));
    if (!t) return problem(404, 'Non-existent table', 'Not Found');
    if (!m[2] && r.method === 'GET') return { body: { ...tableInfo(t, lang, v2Url), language: lang } };
    if (t.listedOnly) return problem(404, 'Non-existent table', 'Not Found');
    if (m[2] === '/metadata' && r.method === 'GET') {
      return {
        body: jsonStat(
          t,
          lang,
          t.dims.map((d) => d.codes),
          false,
          `${v2Url}${rest}?${r.query}`,
        ),
      };
    }
    if (m[2] === '/data' && r.method === 'POST') return dataAnswer(t, r, lang, servedCells);
    return problem(405, 'Method not allowed');
  };

  const server = await startReplayServer({
    recorded: false,
    handler,
    rateLimit: options.rateLimit,
    windowSeconds: options.windowSeconds,
    port: options.port,
  });
  v2Url = server.v2Url;
  const dataPost = /^POST \/api\/pxwebapi\/v2\/tables\/[^/]+\/data$/;

  const standin: Standin = {
    url: server.url,
    v2Url,
    requests: server.requests,
    server,
    tableIds: () => [...tables.values()].filter((t) => !t.listedOnly).map((t) => t.id),
    update(id, change) {
      const t = tables.get(id);
      if (!t) throw new Error(`standin: no table ${id}`);
      if (change.updated !== undefined) t.updated = change.updated;
      if (change.discontinued !== undefined) t.discontinued = change.discontinued;
      if (change.renameCode) {
        const { dimension, from, to } = change.renameCode;
        const dim = t.dims.find((d) => d.id === dimension);
        const original = dim && originalCode(t, dimension, from);
        if (!dim?.codes.some((c) => c.code === original)) throw new Error(`standin: table ${id} has no ${dimension} "${from}"`);
        const map = t.renamed.get(dimension) ?? new Map<string, string>();
        map.set(original!, to);
        t.renamed.set(dimension, map);
      }
      if (change.revise) {
        const { where, add } = change.revise;
        const before = t.cell;
        t.cell = (codes) => {
          const cell = before(codes);
          const hit = cell.value !== null && Object.entries(where).every(([dim, code]) => codes[dim] === code);
          return hit ? { ...cell, value: Math.min(100, cell.value! + add) } : cell;
        };
      }
    },
    fault(kind, faultOptions = {}) {
      const matcher = faultOptions.table ? new RegExp(`^POST /api/pxwebapi/v2/tables/${faultOptions.table}/data$`) : dataPost;
      const bound = maxBodyBytes(faultOptions.maxCells ?? 800_000);
      const faults: Record<StandinFault, () => void> = {
        unavailable: () => server.setFault(() => true, { kind: 'unavailable' }, Infinity),
        oversize: () =>
          server.setFault(matcher, { kind: 'oversize', bytes: bound + 1024, declareLength: faultOptions.declareLength ?? true } as ReplayFault, Infinity),
        gzipBomb: () => server.setFault(matcher, { kind: 'gzipBomb', inflatedBytes: 2 * 1024 ** 3 }, Infinity),
        redirectPost: () => server.setFault(matcher, { kind: 'redirect', status: 307 }, Infinity),
        malformedUpdated: () => standin.update(faultOptions.table ?? '10977', { updated: '2025-02-30T06:00:00Z' }),
        renamedCode: () =>
          standin.update(faultOptions.table ?? '10977', {
            updated: '2025-10-15T06:00:00Z',
            renameCode: { dimension: shapes.has('unguessedIndustryCode') ? 'Naering' : 'NACE2007', from: '58-63', to: '58-63X' },
          }),
      };
      faults[kind]();
    },
    clearFaults: () => server.clearFaults(),
    close: () => server.close(),
  };
  return standin;
}

// ---- command line ----------------------------------------------------------------------------------------------

const usage = `Usage: node dist/test/support/standin.js [--shape <shapes>] [--port <n>] [--as-of 2025|2026]
       [--fault <fault>] [--rate-limit <n>]
  --shape       comma-separated: ${standinShapes.join(', ')} (default typesAsContents)
  --fault       ${standinFaults.join(', ')}
Prints the PxWebApi v2 URL to use as SSB_API_URL, then serves until interrupted.`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      shape: { type: 'string', multiple: true },
      port: { type: 'string' },
      'as-of': { type: 'string' },
      fault: { type: 'string', multiple: true },
      'rate-limit': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const shapes = (values.shape ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = shapes.find((s) => !standinShapes.includes(s as StandinShape));
  const faults = (values.fault ?? []).flatMap((s) => s.split(','));
  const badFault = faults.find((f) => !standinFaults.includes(f as StandinFault));
  const port = Number(values.port ?? 0);
  const asOf = Number(values['as-of'] ?? 2026);
  if (bad || badFault || !Number.isInteger(port) || port < 0 || port > 65535 || (asOf !== 2025 && asOf !== 2026)) {
    process.stderr.write(`${bad ? `Unknown shape "${bad}". ` : badFault ? `Unknown fault "${badFault}". ` : 'Bad --port or --as-of. '}${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const standin = await startStandin({
    shapes: shapes as StandinShape[],
    port,
    asOf: asOf as 2025 | 2026,
    ...(values['rate-limit'] ? { rateLimit: Number(values['rate-limit']) } : {}),
  });
  for (const f of faults) standin.fault(f as StandinFault);
  process.stdout.write(`${standin.v2Url}\n`);
  const stop = () => void standin.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`standin: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
