import type { JsonStatDataset } from './jsonstat.js';
import { measures, readShape, type Measure } from './shape.js';

/**
 * The text of `briefing inspect <id> --suggest`, pure: a JSON snippet for a briefing definition read from a table's
 * live metadata: one `tables` entry, one measure per combination of the measure dimensions' codes, and `readAs`
 * (which dimensions were read as what; JSON has no comments, so drop it when pasting). Per measure: `id` a slug of
 * its English label (else the Norwegian), unique; `match` its lang=no label, escaped; `words` nn and nb from lang=no
 * (a person puts nb into Bokmål), en from lang=en.
 */

/** `metadataNo`: the table's metadata with lang=no, parsed; `metadataEn` the same with lang=en. */
export type SuggestInput = { id: string; metadataNo: JsonStatDataset; metadataEn?: JsonStatDataset | null };

/** Regular-expression metacharacters escaped, so the text matches itself. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** "Nettsamfunn (t.d. Facebook, Linkedin)" -> "nettsamfunn_t_d_facebook_linkedin"-like slugs, without the brackets. */
export function slug(label: string): string {
  const plain = label
    .replace(/\([^)]*\)/g, ' ')
    .replace(/[æÆ]/g, 'ae')
    .replace(/[øØ]/g, 'o')
    .replace(/[åÅ]/g, 'a')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const cut = plain.length <= 48 ? plain : plain.slice(0, 48).replace(/_[^_]*$/, '');
  return cut || 'measure';
}

/** The label as it reads inside a sentence. */
export function sentenceObject(label: string): string {
  const plain =
    label
      .replace(/\s*\([^)]*\)/g, '')
      .replace(/\s+/g, ' ')
      .trim() || label.trim();
  // "IKT-…", "KI", "EU": keep the capitals of an abbreviation.
  return /^\p{Lu}[\p{Lu}\d]/u.test(plain) ? plain : plain.charAt(0).toLowerCase() + plain.slice(1);
}

const sameCodes = (a: Measure, b: Measure) =>
  Object.keys(a.codes).length === Object.keys(b.codes).length && Object.entries(a.codes).every(([k, v]) => b.codes[k] === v);

/** The suggestion as data. */
export function suggestion(input: SuggestInput) {
  const shape = readShape(input.metadataNo);
  const english = input.metadataEn ? measures(readShape(input.metadataEn)) : [];
  const used = new Set<string>();
  const suggested = measures(shape).map((m) => {
    const en = english.find((e) => sameCodes(e, m))?.label ?? m.label;
    let id = slug(input.metadataEn ? en : m.label);
    for (let n = 2; used.has(id); n++) id = `${slug(input.metadataEn ? en : m.label)}_${n}`;
    used.add(id);
    const words = (label: string) => ({ label, object: sentenceObject(label) });
    return {
      id,
      tables: [input.id],
      match: escapeRegExp(m.label),
      codes: { [input.id]: m.codes },
      base: 'all' as const,
      words: { nn: words(m.label), nb: words(m.label), en: words(en) },
    };
  });
  return {
    tables: [{ id: input.id, label: input.metadataNo.label ?? input.id }],
    measures: suggested,
    readAs: { time: shape.time, size: shape.size, industry: shape.industry, classification: shape.classification, measure: shape.measureDims },
  };
}

/** The suggestion as the JSON text the command prints (two-space indent, a final newline). */
export function suggestDefinition(input: SuggestInput): string {
  return `${JSON.stringify(suggestion(input), null, 2)}\n`;
}
