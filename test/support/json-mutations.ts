/**
 * Seeded mutations of a JSON text for fuzz tests: byte-level damage (cuts, junk, swapped lines) and
 * structure-level edits (a node replaced by a hostile value, a key dropped or added, a row duplicated).
 * Pure: the same text and PRNG state give the same mutant; `how` says what was done, to reproduce a failure.
 */

/** mulberry32: a tiny deterministic PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const junk = ['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', '\uFEFF', '\ud800', 'ø', '1e999', '-', '.', 'null', 'true', ' ', '\n', '\t'];
const hostile = (random: () => number): Json => {
  const deep = (n: number): Json => (n === 0 ? [] : [deep(n - 1)]);
  const values: Json[] = [
    null,
    true,
    false,
    0,
    -1,
    -0,
    0.5,
    1e308,
    -1e308,
    2 ** 53 + 1,
    '',
    ' ',
    'x'.repeat(100_000),
    '..',
    '*',
    '1990',
    '2100-01-01',
    [],
    {},
    deep(2000),
    Array.from({ length: 10_000 }, (_, i) => i),
    { __proto__: null } as unknown as Json,
    JSON.parse('{"__proto__": {"polluted": true}}') as Json,
    { constructor: { prototype: { polluted: true } } },
    'Total+K',
    '00',
    'SN2025',
    'percent',
    'http://example.no',
    'http://[',
    'a://b',
    'http://exa mple.no',
    '\u0000',
    '\ud800',
    2013,
    2013.5,
    12,
    13,
    14,
  ];
  return values[Math.floor(random() * values.length)]!;
};

/** Every container in the document with a way to reach it. */
function containers(doc: Json, path = '$'): { node: Json[] | { [key: string]: Json }; path: string }[] {
  if (doc === null || typeof doc !== 'object') return [];
  const own = Array.isArray(doc) ? doc.map((v, i) => [String(i), v] as const) : Object.entries(doc);
  return [{ node: doc, path }, ...own.flatMap(([k, v]) => containers(v, `${path}.${k}`))];
}

export function mutate(text: string, random: () => number): { text: string; how: string } {
  const at = () => Math.floor(random() * (text.length + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const kind = Math.floor(random() * 10);
  switch (kind) {
    case 0: {
      const i = at();
      return { text: text.slice(0, i), how: `truncated at ${i}` };
    }
    case 1: {
      const i = at();
      const n = 1 + Math.floor(random() * 40);
      return { text: text.slice(0, i) + text.slice(i + n), how: `deleted ${n} at ${i}` };
    }
    case 2: {
      const i = at();
      const bits = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(junk)).join('');
      return { text: text.slice(0, i) + bits + text.slice(i), how: `inserted ${JSON.stringify(bits)} at ${i}` };
    }
    case 3: {
      const i = at();
      const n = 1 + Math.floor(random() * 200);
      return { text: text.slice(0, i) + text.slice(i, i + n) + text.slice(i), how: `duplicated ${n} at ${i}` };
    }
    case 4: {
      const lines = text.split('\n');
      const a = Math.floor(random() * lines.length);
      const b = Math.floor(random() * lines.length);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return { text: lines.join('\n'), how: `swapped lines ${a} and ${b}` };
    }
    default: {
      let doc: Json;
      try {
        doc = JSON.parse(text) as Json;
      } catch {
        return { text, how: 'unchanged (not JSON)' };
      }
      const all = containers(doc);
      const { node, path } = pick(all);
      const keys = Array.isArray(node) ? node.map((_, i) => String(i)) : Object.keys(node);
      const set = (k: string, v: Json) => (Array.isArray(node) ? (node[Number(k)] = v) : (node[k] = v));
      let how: string;
      if (kind <= 6 && keys.length > 0) {
        const k = pick(keys);
        set(k, hostile(random));
        how = `replaced ${path}.${k}`;
      } else if (kind === 7 && keys.length > 0) {
        const k = pick(keys);
        if (Array.isArray(node)) node.splice(Number(k), 1);
        else delete node[k];
        how = `removed ${path}.${k}`;
      } else if (kind === 8 && Array.isArray(node) && node.length > 0) {
        node.push(structuredClone(pick(node)));
        how = `duplicated an element of ${path}`;
      } else {
        const k = pick(['extra', 'note', 'revision', 'value', '__proto__', 'constructor', '']);
        set(Array.isArray(node) ? String(node.length) : k, hostile(random));
        how = `added ${k} to ${path}`;
      }
      return { text: random() < 0.5 ? JSON.stringify(doc) : JSON.stringify(doc, null, 2), how };
    }
  }
}
