import { editJson } from './statbank-fixtures.js';

/**
 * Edits of a StatBank metadata answer (JSON-stat 2.0 with `"value": []`) that statbank-fixtures.ts doesn't have:
 * a category taken out of a dimension, as when SSB drops a code between releases.
 */

/** Metadata without category `code` of `dimension`: later positions move up, the dimension's size shrinks. */
export function withCodeRemoved(metadata: string, dimension: string, code: string): string {
  return editJson(metadata, (doc) => {
    if (Array.isArray(doc.value) && doc.value.length > 0) throw new Error('withCodeRemoved: only for metadata (no values)');
    const category = doc.dimension[dimension].category;
    const order = Object.entries(category.index as Record<string, number>).sort((a, b) => a[1] - b[1]).map(([c]) => c);
    if (!order.includes(code)) throw new Error(`withCodeRemoved: no ${dimension} "${code}" in the metadata`);
    category.index = Object.fromEntries(order.filter((c) => c !== code).map((c, i) => [c, i]));
    for (const key of ['label', 'unit']) if (category[key]) delete category[key][code];
    doc.size[doc.id.indexOf(dimension)] -= 1;
  });
}
