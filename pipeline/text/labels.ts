import type { Lang } from './format.js';

/**
 * Names of the briefing's measures, size classes and industries in each language. Pure data.
 * `name` is a label for charts and tables; `object` is the noun phrase after "bruker"/"use" in running text.
 */

export const typeMeasures = ['social_networks', 'multimedia_sharing', 'blogs_microblogs', 'wikis'] as const;
export const purposeMeasures = [
  'purpose_marketing_image', 'purpose_recruitment', 'purpose_customer_views',
  'purpose_internal_knowledge', 'purpose_collab_customers', 'purpose_collab_partners',
] as const;
export const headlineMeasures = ['any_social_media', 'social_networks'] as const;
export const policyMeasure = 'formal_policy';
export const knownMeasures = ['any_social_media', ...typeMeasures, ...purposeMeasures, policyMeasure] as const;

interface MeasureText {
  /** Chart and table label. */
  name: string;
  /** After "bruker ..." / "use ...": what the enterprises use (types) or what for (purposes). */
  object: string;
  /** Well-known examples, said after the object on its first mention ("som YouTube"). */
  examples?: string;
  /** Short predicate for headlines: verb ("bruker", "har"; English plural "use", "have") and the rest. */
  verb: string;
  short: string;
  /** Noun phrase for the measure as a subject of change: "bruken av sosiale nettverk". */
  topic: string;
}

type Texts = Record<Lang, MeasureText>;

export const measureTexts: Record<string, Texts> = {
  any_social_media: {
    nn: { name: 'Sosiale medium i alt', object: 'sosiale medium', verb: 'bruker', short: 'sosiale medium', topic: 'bruken av sosiale medium' },
    nb: { name: 'Sosiale medier i alt', object: 'sosiale medier', verb: 'bruker', short: 'sosiale medier', topic: 'bruken av sosiale medier' },
    en: { name: 'Any social media', object: 'social media', verb: 'use', short: 'social media', topic: 'the use of social media' },
  },
  social_networks: {
    nn: { name: 'Sosiale nettverk', object: 'sosiale nettverk', examples: 'Facebook og LinkedIn', verb: 'bruker', short: 'sosiale nettverk', topic: 'bruken av sosiale nettverk' },
    nb: { name: 'Sosiale nettverk', object: 'sosiale nettverk', examples: 'Facebook og LinkedIn', verb: 'bruker', short: 'sosiale nettverk', topic: 'bruken av sosiale nettverk' },
    en: { name: 'Social networks', object: 'social networks', examples: 'Facebook and LinkedIn', verb: 'use', short: 'social networks', topic: 'the use of social networks' },
  },
  multimedia_sharing: {
    nn: { name: 'Deling av multimedieinnhald', object: 'nettsider for deling av multimedieinnhald', examples: 'YouTube', verb: 'bruker', short: 'nettsider for multimedieinnhald', topic: 'bruken av nettsider for multimedieinnhald' },
    nb: { name: 'Deling av multimedieinnhold', object: 'nettsider for deling av multimedieinnhold', examples: 'YouTube', verb: 'bruker', short: 'nettsider for multimedieinnhold', topic: 'bruken av nettsider for multimedieinnhold' },
    en: { name: 'Multimedia sharing', object: 'multimedia content sharing websites', examples: 'YouTube', verb: 'use', short: 'multimedia sharing websites', topic: 'the use of multimedia sharing websites' },
  },
  blogs_microblogs: {
    nn: { name: 'Bloggar og mikrobloggar', object: 'bloggar eller mikrobloggar', examples: 'Twitter', verb: 'bruker', short: 'bloggar eller mikrobloggar', topic: 'bruken av bloggar og mikrobloggar' },
    nb: { name: 'Blogger og mikroblogger', object: 'blogger eller mikroblogger', examples: 'Twitter', verb: 'bruker', short: 'blogger eller mikroblogger', topic: 'bruken av blogger og mikroblogger' },
    en: { name: 'Blogs and microblogs', object: 'blogs or microblogs', examples: 'Twitter', verb: 'use', short: 'blogs or microblogs', topic: 'the use of blogs and microblogs' },
  },
  wikis: {
    nn: { name: 'Wikiar', object: 'wikiar for å dele kunnskap', verb: 'bruker', short: 'wikiar', topic: 'bruken av wikiar' },
    nb: { name: 'Wikier', object: 'wikier for å dele kunnskap', verb: 'bruker', short: 'wikier', topic: 'bruken av wikier' },
    en: { name: 'Wikis', object: 'wikis to share knowledge', verb: 'use', short: 'wikis', topic: 'the use of wikis' },
  },
  purpose_marketing_image: {
    nn: { name: 'Marknadsføring og omdømme', object: 'marknadsføring av produkt eller til å byggje biletet av føretaket', verb: 'bruker', short: 'sosiale medium til marknadsføring', topic: 'bruken av sosiale medium til marknadsføring' },
    nb: { name: 'Markedsføring og omdømme', object: 'markedsføring av produkter eller til å bygge bedriftens omdømme', verb: 'bruker', short: 'sosiale medier til markedsføring', topic: 'bruken av sosiale medier til markedsføring' },
    en: { name: 'Marketing and image', object: "marketing products or building the enterprise's image", verb: 'use', short: 'social media for marketing', topic: 'the use of social media for marketing' },
  },
  purpose_recruitment: {
    nn: { name: 'Rekruttering', object: 'rekruttering av tilsette', verb: 'bruker', short: 'sosiale medium til rekruttering', topic: 'bruken av sosiale medium til rekruttering' },
    nb: { name: 'Rekruttering', object: 'rekruttering av ansatte', verb: 'bruker', short: 'sosiale medier til rekruttering', topic: 'bruken av sosiale medier til rekruttering' },
    en: { name: 'Recruitment', object: 'recruiting employees', verb: 'use', short: 'social media for recruitment', topic: 'the use of social media for recruitment' },
  },
  purpose_customer_views: {
    nn: { name: 'Kontakt med kundar', object: 'å innhente eller svare på synspunkt og spørsmål frå kundar', verb: 'bruker', short: 'sosiale medium i kontakt med kundar', topic: 'bruken av sosiale medium i kontakt med kundar' },
    nb: { name: 'Kontakt med kunder', object: 'å innhente eller svare på synspunkter og spørsmål fra kunder', verb: 'bruker', short: 'sosiale medier i kontakt med kunder', topic: 'bruken av sosiale medier i kontakt med kunder' },
    en: { name: 'Customer opinions', object: "obtaining or responding to customers' opinions and questions", verb: 'use', short: 'social media to hear from customers', topic: 'the use of social media to hear from customers' },
  },
  purpose_internal_knowledge: {
    nn: { name: 'Kunnskapsdeling internt', object: 'utveksling av synspunkt eller kunnskap internt i føretaket', verb: 'bruker', short: 'sosiale medium til kunnskapsdeling internt', topic: 'bruken av sosiale medium til kunnskapsdeling internt' },
    nb: { name: 'Kunnskapsdeling internt', object: 'utveksling av synspunkter eller kunnskap internt i foretaket', verb: 'bruker', short: 'sosiale medier til kunnskapsdeling internt', topic: 'bruken av sosiale medier til kunnskapsdeling internt' },
    en: { name: 'Internal knowledge sharing', object: 'exchanging views or knowledge within the enterprise', verb: 'use', short: 'social media to share knowledge internally', topic: 'the use of social media to share knowledge internally' },
  },
  purpose_collab_customers: {
    nn: { name: 'Samarbeid med kundar', object: 'samarbeid med kundar om utvikling av varer og tenester', verb: 'bruker', short: 'sosiale medium til samarbeid med kundar', topic: 'bruken av sosiale medium til samarbeid med kundar' },
    nb: { name: 'Samarbeid med kunder', object: 'samarbeid med kunder om utvikling av varer og tjenester', verb: 'bruker', short: 'sosiale medier til samarbeid med kunder', topic: 'bruken av sosiale medier til samarbeid med kunder' },
    en: { name: 'Collaboration with customers', object: 'collaborating with customers on goods and services', verb: 'use', short: 'social media to work with customers', topic: 'the use of social media to work with customers' },
  },
  purpose_collab_partners: {
    nn: { name: 'Samarbeid med partnarar', object: 'samarbeid med leverandørar eller andre partnarar', verb: 'bruker', short: 'sosiale medium til samarbeid med partnarar', topic: 'bruken av sosiale medium til samarbeid med partnarar' },
    nb: { name: 'Samarbeid med partnere', object: 'samarbeid med leverandører eller andre partnere', verb: 'bruker', short: 'sosiale medier til samarbeid med partnere', topic: 'bruken av sosiale medier til samarbeid med partnere' },
    en: { name: 'Collaboration with partners', object: 'collaborating with suppliers or other partners', verb: 'use', short: 'social media to work with partners', topic: 'the use of social media to work with partners' },
  },
  formal_policy: {
    nn: { name: 'Formell politikk for sosiale medium', object: 'ein formell politikk for bruken av sosiale medium', verb: 'har', short: 'ein formell politikk for sosiale medium', topic: 'delen med ein formell politikk for sosiale medium' },
    nb: { name: 'Formell policy for sosiale medier', object: 'en formell policy for bruken av sosiale medier', verb: 'har', short: 'en formell policy for sosiale medier', topic: 'andelen med en formell policy for sosiale medier' },
    en: { name: 'Formal social media policy', object: 'a formal policy for their use of social media', verb: 'have', short: 'a formal social media policy', topic: 'the share with a formal social media policy' },
  },
};

export function measureText(measure: string, lang: Lang): MeasureText {
  return measureTexts[measure]?.[lang] ?? { name: measure, object: measure, verb: lang === 'en' ? 'use' : 'bruker', short: measure, topic: measure };
}

/** SyssGrpIKT: `name` for charts, `phrase` after "føretaka med ..." / "enterprises with ...". */
export const sizeClassTexts: Record<string, Record<Lang, { name: string; phrase: string }>> = {
  '00': {
    nn: { name: 'Alle føretak', phrase: 'minst 10 sysselsette' },
    nb: { name: 'Alle foretak', phrase: 'minst 10 sysselsatte' },
    en: { name: 'All enterprises', phrase: 'at least 10 persons employed' },
  },
  '02': {
    nn: { name: '10–19 sysselsette', phrase: '10–19 sysselsette' },
    nb: { name: '10–19 sysselsatte', phrase: '10–19 sysselsatte' },
    en: { name: '10–19 employed', phrase: '10–19 persons employed' },
  },
  '03': {
    nn: { name: '20–49 sysselsette', phrase: '20–49 sysselsette' },
    nb: { name: '20–49 sysselsatte', phrase: '20–49 sysselsatte' },
    en: { name: '20–49 employed', phrase: '20–49 persons employed' },
  },
  '04': {
    nn: { name: '50–99 sysselsette', phrase: '50–99 sysselsette' },
    nb: { name: '50–99 sysselsatte', phrase: '50–99 sysselsatte' },
    en: { name: '50–99 employed', phrase: '50–99 persons employed' },
  },
  '05': {
    nn: { name: '100 sysselsette eller fleire', phrase: 'minst 100 sysselsette' },
    nb: { name: '100 sysselsatte eller flere', phrase: 'minst 100 sysselsatte' },
    en: { name: '100 or more employed', phrase: 'at least 100 persons employed' },
  },
};

export function sizeClassText(code: string, lang: Lang): { name: string; phrase: string } {
  return sizeClassTexts[code]?.[lang] ?? { name: code, phrase: code };
}

/** NACE2007 (SN2007) groups used by the survey. `phrase` reads after "i"/"in". */
export const industryTexts: Record<string, Record<Lang, string>> = {
  'Total+K': { nn: 'Alle næringar', nb: 'Alle næringer', en: 'All industries' },
  Total: { nn: 'Alle næringar', nb: 'Alle næringer', en: 'All industries' },
  'Total-K': { nn: 'Alle næringar utanom finans', nb: 'Alle næringer utenom finans', en: 'All industries excl. finance' },
  '10-39': { nn: 'Industri, energi og vatn', nb: 'Industri, energi og vann', en: 'Manufacturing, energy and water' },
  '41-43': { nn: 'Bygg og anlegg', nb: 'Bygg og anlegg', en: 'Construction' },
  '45': { nn: 'Handel med og reparasjon av motorvogner', nb: 'Handel med og reparasjon av motorvogner', en: 'Trade and repair of motor vehicles' },
  '46': { nn: 'Agentur- og engroshandel', nb: 'Agentur- og engroshandel', en: 'Wholesale trade' },
  '47': { nn: 'Detaljhandel', nb: 'Detaljhandel', en: 'Retail trade' },
  '49-53': { nn: 'Transport og lagring', nb: 'Transport og lagring', en: 'Transport and storage' },
  '55-56': { nn: 'Overnatting og servering', nb: 'Overnatting og servering', en: 'Accommodation and food services' },
  '58-63': { nn: 'Informasjon og kommunikasjon', nb: 'Informasjon og kommunikasjon', en: 'Information and communication' },
  '64-66': { nn: 'Finansiering og forsikring', nb: 'Finansiering og forsikring', en: 'Financial and insurance activities' },
  '68-82': { nn: 'Forretningsmessig tenesteyting', nb: 'Forretningsmessig tjenesteyting', en: 'Business services' },
};

export function industryText(code: string, lang: Lang): string {
  return industryTexts[code]?.[lang] ?? code;
}
