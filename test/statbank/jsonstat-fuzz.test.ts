import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { JsonStatError } from '../../pipeline/errors.js';
import { MAX_CELLS, observations, parseJsonStatText } from '../../pipeline/statbank/jsonstat.js';
import { describeDataset, formatObservations } from '../../pipeline/statbank/jsonstat-format.js';
import { mulberry32 } from '../support/json-mutations.js';

/**
 * Seeded mutations of the real recorded responses fed to parseJsonStatText. Contract under test: every outcome
 * is a consistent dataset or a JsonStatError naming the origin, never another exception, never unbounded work.
 * A failure prints the seed and round; rerun with the same SEED to reproduce.
 */

const SEED = 0x5eed_2026;
const ROUNDS = 3000;

type Node = Record<string, unknown> | unknown[];
interface Slot {
  parent: Node;
  key: string | number;
}

const ssbDir = fileURLToPath(new URL('../fixtures/ssb/', import.meta.url));
const fixtures = readdirSync(ssbDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json') && !f.startsWith('schemas'))
  .sort()
  .map((file) => ({ file, text: readFileSync(ssbDir + file, 'utf8') }))
  .filter(({ text }) => text.includes('"class"') && text.includes('"dataset"'));

const junk: unknown[] = [
  null,
  true,
  false,
  '',
  'x',
  '..',
  ':',
  '__proto__',
  0,
  -1,
  1,
  0.5,
  2 ** 31,
  2 ** 53,
  1e308,
  -1e308,
  1e9,
  [],
  {},
  [null],
  [1, 2, 3],
  ['a', 'a'],
  { 0: 0 },
  { 0: 5 },
  { a: 1, b: 1 },
  { __proto__: 1 },
];
const keyNames = ['', 'x', '0', '99999', 'index', 'label', 'value', 'status', 'size', 'constructor', 'toString', '__proto__'];

/** Every (container, key) pair; cells of value/status apart so structural fields are hit often too. */
function slots(root: Node): { structure: Slot[]; cells: Slot[] } {
  const structure: Slot[] = [];
  const cells: Slot[] = [];
  const walk = (node: Node, inCells: boolean) => {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    for (const key of keys) {
      const child = (node as Record<string | number, unknown>)[key];
      const cellish = inCells || key === 'value' || key === 'status';
      (inCells ? cells : structure).push({ parent: node, key });
      if (typeof child === 'object' && child !== null) walk(child as Node, cellish);
    }
  };
  walk(root, false);
  return { structure, cells };
}

function mutate(doc: Node, random: () => number): void {
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const { structure, cells } = slots(doc);
  const slot = random() < 0.8 || cells.length === 0 ? pick(structure) : pick(cells);
  if (slot === undefined) return;
  const parent = slot.parent as Record<string | number, unknown>;
  const current = parent[slot.key];
  switch (Math.floor(random() * 7)) {
    case 0: // delete
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete parent[slot.key];
      break;
    case 1: // rename (objects) or duplicate (arrays)
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 0, current);
      else {
        delete parent[slot.key];
        Object.defineProperty(parent, pick(keyNames), { value: current, enumerable: true, writable: true, configurable: true });
      }
      break;
    case 2: // swap type
      parent[slot.key] = structuredClone(pick(junk));
      break;
    case 3: // change a number
      parent[slot.key] =
        typeof current === 'number'
          ? pick([current + 1, current - 1, -current, current * 1000, current + 0.5, 0, -1, 1e7, 2 ** 40])
          : structuredClone(pick(junk));
      break;
    case 4: // truncate an array
      if (Array.isArray(current)) current.length = Math.floor(random() * current.length);
      else parent[slot.key] = [];
      break;
    case 5: // inject into a container
      if (Array.isArray(current)) current.splice(Math.floor(random() * (current.length + 1)), 0, structuredClone(pick(junk)));
      else if (typeof current === 'object' && current !== null) (current as Record<string, unknown>)[pick(keyNames)] = pick(junk);
      else parent[slot.key] = pick(junk);
      break;
    default: // a size gone wrong: the most dangerous field for the allocation bound
      if (Array.isArray((doc as Record<string, unknown>).size)) {
        const size = (doc as { size: unknown[] }).size;
        size[Math.floor(random() * size.length)] = pick([-1, 0, 1.5, 1e6, 1e9, 2 ** 53, '3', null]);
      }
  }
}

it(`${ROUNDS} seeded mutations of the recorded responses: a dataset or a JsonStatError, nothing else`, () => {
  expect(fixtures.length).toBe(7);
  const random = mulberry32(SEED);
  const parsed = fixtures.map((f) => ({ ...f, doc: JSON.parse(f.text.replace(/^\uFEFF/, '')) as Node }));
  let ok = 0;
  const problems = new Set<string>();
  for (let round = 0; round < ROUNDS; round++) {
    const fixture = parsed[Math.floor(random() * parsed.length)]!;
    const doc = structuredClone(fixture.doc);
    const mutations = 1 + Math.floor(random() * 3);
    for (let m = 0; m < mutations; m++) mutate(doc, random);
    let text = JSON.stringify(doc);
    if (random() < 0.12) text = text.slice(0, Math.floor(random() * text.length));
    if (random() < 0.05) text = '\uFEFF' + text;
    const origin = `fuzz/${fixture.file}`;
    const where = `seed ${SEED} round ${round} (${fixture.file})`;
    try {
      const ds = parseJsonStatText(text, { origin });
      ok++;
      expect(ds.cellCount, where).toBe(ds.size.reduce((a, b) => a * b, 1));
      expect(ds.cellCount, where).toBeLessThanOrEqual(MAX_CELLS);
      expect(
        ds.dimensions.map((d) => d.categories.length),
        where,
      ).toEqual(ds.size);
      expect(ds.values.length, where).toBe(ds.hasValues ? ds.cellCount : 0);
      expect(ds.statuses.length, where).toBe(ds.values.length);
      expect(
        ds.values.every((v) => v === null || Number.isFinite(v)),
        where,
      ).toBe(true);
      describeDataset(ds);
      if (round % 5 === 0) {
        let count = 0;
        for (const _ of observations(ds)) count++;
        expect(count, where).toBe(ds.values.length);
        formatObservations(ds, 'csv');
      }
    } catch (error) {
      if (!(error instanceof JsonStatError)) throw new Error(`${where}: ${String(error)}`, { cause: error });
      expect(error.message, where).toMatch(/^JSON-stat from (table \S+ \()?fuzz\//);
      // The field path (cell indices folded), or the JSON syntax complaint: one entry per kind of check hit.
      problems.add(
        error.message
          .replace(/^JSON-stat from [^:]+: /, '')
          .split(/[:(]/)[0]!
          .replace(/\[\d+\]/g, '[]'),
      );
    }
  }
  // The mutations must exercise both outcomes and many distinct checks, or this test proves nothing.
  expect(ok).toBeGreaterThan(ROUNDS * 0.05);
  expect(ROUNDS - ok).toBeGreaterThan(ROUNDS * 0.3);
  expect(problems.size).toBeGreaterThan(30);
});
