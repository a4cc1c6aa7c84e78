import { cleanText } from '../text/format.js';
import type { Classification, Dataset, Labels, Lang } from './model.js';

/**
 * SSB's own name for a code: from the table the figures came from (lang=no for Nynorsk and Bokmål), else from the
 * dataset's codelists (for figures quoted from articles). A Bokmål or Nynorsk form only where the codelist records one,
 * as SSB's lang=no labels mix the two. Never a bare code while any label exists; text from a source is cleaned. Pure.
 */

export function pickLabel(labels: Labels, lang: Lang): string {
  const text = lang === 'en' ? (labels.en ?? labels.no) : lang === 'nb' ? (labels.nb ?? labels.no) : (labels.nn ?? labels.no);
  return cleanText(text);
}

export function codeLabel(dataset: Dataset, role: 'size' | 'industry', code: string, classification: Classification | null, lang: Lang): string {
  const listed = dataset.codelists[role === 'size' ? 'size' : `industry:${classification}`]?.find((c) => c.code === code);
  let fromTable: Labels | undefined;
  for (const table of Object.values(dataset.tables)) {
    if (role === 'industry' && table.classification !== classification) continue;
    const category = table.dimensions.find((d) => d.role === role)?.categories.find((c) => c.code === code);
    if (category) {
      fromTable = category.label;
      if (lang !== 'en' || category.label.en) break;
    }
  }
  if (!fromTable) return listed ? pickLabel(listed.label, lang) : code;
  // A Bokmål or Nynorsk form from the codelist only when it names the same category (its Norwegian label is the table's).
  const same = listed?.label.no === fromTable.no ? listed.label : undefined;
  return pickLabel({ ...fromTable, en: fromTable.en ?? listed?.label.en, nb: same?.nb || fromTable.nb, nn: same?.nn || fromTable.nn }, lang);
}
