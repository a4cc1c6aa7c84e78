/**
 * A small schema language for the JSON this project reads (dataset, tables.json, history, edition manifests,
 * settings): declare the shape once, get a checker that names the path of the first problem, and the
 * TypeScript type by `Infer<typeof schema>`. It does what zod did here, without zod's cost: loading zod took
 * about 100 ms of every run (its locales alone 60 ms), more than the whole of an unchanged run's own work.
 *
 *   const point = s.object({ x: s.number().int(), label: s.string().min(1).optional() }).strict();
 *   point.safeParse(json)  ->  { success: true, data } | { success: false, error: { issues: [{ path, message }] } }
 *
 * Objects drop keys they don't declare unless `.strict()` (then an unknown key is an issue). Numbers must be
 * finite. Refinements run only on a value that passed its shape.
 */

export type Path = (string | number)[];
export interface Issue {
  path: Path;
  message: string;
}
export type SafeResult<T> = { success: true; data: T } | { success: false; error: { issues: Issue[] } };
export type Infer<S> = S extends Schema<infer T> ? T : never;

/** What `parse` throws: the first issue, with its path, as the message. */
export class SchemaError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; '));
  }
}

const invalid = Symbol('invalid');
type Out<T> = T | typeof invalid;

export abstract class Schema<T> {
  declare readonly _type: T;
  /** The value (or what the schema makes of it), or `invalid` after pushing at least one issue. */
  abstract check(value: unknown, path: Path, issues: Issue[]): Out<T>;

  safeParse(value: unknown): SafeResult<T> {
    const issues: Issue[] = [];
    const out = this.check(value, [], issues);
    return out === invalid || issues.length > 0 ? { success: false, error: { issues } } : { success: true, data: out };
  }

  parse(value: unknown): T {
    const result = this.safeParse(value);
    if (!result.success) throw new SchemaError(result.error.issues);
    return result.data;
  }

  nullable(): Schema<T | null> {
    return wrap<T | null>((value, path, issues) => (value === null ? null : this.check(value, path, issues)));
  }

  optional(): Schema<T | undefined> {
    return wrap<T | undefined>((value, path, issues) => (value === undefined ? undefined : this.check(value, path, issues)));
  }

  /** `fallback` in place of undefined (a fresh copy each time, so no two results share it). */
  default(fallback: T): Schema<T> {
    return wrap<T>((value, path, issues) => (value === undefined ? structuredClone(fallback) : this.check(value, path, issues)));
  }

  refine(ok: (value: T) => boolean, issue: { message: string; path?: Path }): Schema<T> {
    return this.superRefine((value, ctx) => {
      if (!ok(value)) ctx.addIssue(issue);
    });
  }

  /** Further checks on a value that has its shape; each `addIssue` path is relative to this value. */
  superRefine(refine: (value: T, ctx: { addIssue(issue: { message: string; path?: Path }): void }) => void): Schema<T> {
    return wrap<T>((value, path, issues) => {
      const out = this.check(value, path, issues);
      if (out === invalid) return out;
      const before = issues.length;
      refine(out, { addIssue: (issue) => issues.push({ path: [...path, ...(issue.path ?? [])], message: issue.message }) });
      return issues.length > before ? invalid : out;
    });
  }
}

function wrap<T>(check: (value: unknown, path: Path, issues: Issue[]) => Out<T>): Schema<T> {
  return new (class extends Schema<T> {
    check = check;
  })();
}

function fail(issues: Issue[], path: Path, message: string): typeof invalid {
  issues.push({ path, message });
  return invalid;
}

const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

class StringSchema extends Schema<string> {
  constructor(private readonly rules: readonly ((text: string) => string | null)[] = []) {
    super();
  }
  check(value: unknown, path: Path, issues: Issue[]): Out<string> {
    if (typeof value !== 'string') return fail(issues, path, `expected text, got ${describe(value)}`);
    for (const rule of this.rules) {
      const problem = rule(value);
      if (problem !== null) return fail(issues, path, problem);
    }
    return value;
  }
  private with(rule: (text: string) => string | null): StringSchema {
    return new StringSchema([...this.rules, rule]);
  }
  regex(pattern: RegExp, message = `does not match ${pattern}`): StringSchema {
    return this.with((text) => {
      pattern.lastIndex = 0;
      return pattern.test(text) ? null : message;
    });
  }
  min(length: number, message = `at least ${length} character${length === 1 ? '' : 's'}`): StringSchema {
    return this.with((text) => (text.length >= length ? null : message));
  }
  /** Something `new URL()` reads (after trimming), as a fetch would. */
  url(message = 'a URL'): StringSchema {
    return this.with((text) => (URL.canParse(text.trim()) ? null : message));
  }
  /**
   * An e-mail address as people write them in a setting: a local part without spaces, quotes or @, and a domain of
   * two or more dotted labels (letters of any script, digits, inner hyphens) whose last is letters or punycode.
   */
  email(message = 'an e-mail address'): StringSchema {
    return this.with((text) => (emailPattern.test(text) ? null : message));
  }
  /** ISO 8601 date and time, seconds optional, with a Z or ±hh:mm offset; a day or hour that does not exist fails. */
  datetime(message = 'a date and time such as 2025-09-10T06:00:00Z'): StringSchema {
    return this.with((text) => (isDatetime(text) ? null : message));
  }
}

const emailPattern = /^(?!\.)(?!.*\.\.)[^\s@"(),:;<>[\\\]]*[^\s@"(),:;<>[\\\].]@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+(?:\p{L}{2,}|xn--[a-z0-9-]+)$/iu;
const datetimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

function isDatetime(text: string): boolean {
  const m = datetimePattern.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x)));
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return month! >= 1 && month! <= 12 && day! >= 1 && day! <= daysInMonth && hour! <= 23 && minute! <= 59 && second <= 59 &&
    offsetHours <= 23 && offsetMinutes <= 59;
}

/** Plain decimal text (what a person types in a setting): no blanks, hex, exponents or signs other than minus. */
const decimalPattern = /^-?\d+(?:\.\d+)?$/;

class NumberSchema extends Schema<number> {
  constructor(private readonly coerce: boolean, private readonly rules: readonly ((n: number) => string | null)[] = []) {
    super();
  }
  check(value: unknown, path: Path, issues: Issue[]): Out<number> {
    const n = this.coerce && typeof value === 'string' && decimalPattern.test(value.trim()) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      return fail(issues, path, this.coerce ? `expected a number, got ${JSON.stringify(value) ?? describe(value)}` : `expected a finite number, got ${describe(value)}`);
    }
    for (const rule of this.rules) {
      const problem = rule(n);
      if (problem !== null) return fail(issues, path, problem);
    }
    return n;
  }
  private with(rule: (n: number) => string | null): NumberSchema {
    return new NumberSchema(this.coerce, [...this.rules, rule]);
  }
  int(message = 'a whole number'): NumberSchema {
    return this.with((n) => (Number.isSafeInteger(n) ? null : message));
  }
  min(least: number, message = `at least ${least}`): NumberSchema {
    return this.with((n) => (n >= least ? null : message));
  }
  max(most: number, message = `at most ${most}`): NumberSchema {
    return this.with((n) => (n <= most ? null : message));
  }
}

type Shape = Record<string, Schema<unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<S extends Shape> = Simplify<
  { [K in keyof S as undefined extends Infer<S[K]> ? never : K]: Infer<S[K]> } & {
    [K in keyof S as undefined extends Infer<S[K]> ? K : never]?: Infer<S[K]>;
  }
>;

class ObjectSchema<S extends Shape> extends Schema<ObjectOf<S>> {
  constructor(readonly shape: S, private readonly closed = false) {
    super();
  }
  /** An undeclared key is an issue (by default it is dropped). */
  strict(): ObjectSchema<S> {
    return new ObjectSchema(this.shape, true);
  }
  check(value: unknown, path: Path, issues: Issue[]): Out<ObjectOf<S>> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(issues, path, `expected an object, got ${describe(value)}`);
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const key of Object.keys(this.shape)) {
      const field = Object.hasOwn(input, key) ? input[key] : undefined;
      const result = this.shape[key]!.check(field, [...path, key], issues);
      if (result === invalid) ok = false;
      else if (result !== undefined || Object.hasOwn(input, key)) Object.defineProperty(out, key, { value: result, enumerable: true, writable: true, configurable: true });
    }
    if (this.closed) {
      for (const key of Object.keys(input)) {
        if (!Object.hasOwn(this.shape, key)) {
          ok = false;
          issues.push({ path: [...path, key], message: `unknown field "${key}"` });
        }
      }
    }
    return ok ? (out as ObjectOf<S>) : invalid;
  }
}

class ArraySchema<T> extends Schema<T[]> {
  constructor(private readonly item: Schema<T>, private readonly least = 0, private readonly message = '') {
    super();
  }
  min(least: number, message = `at least ${least} item${least === 1 ? '' : 's'}`): ArraySchema<T> {
    return new ArraySchema(this.item, least, message);
  }
  check(value: unknown, path: Path, issues: Issue[]): Out<T[]> {
    if (!Array.isArray(value)) return fail(issues, path, `expected an array, got ${describe(value)}`);
    if (value.length < this.least) return fail(issues, path, this.message);
    const out: T[] = new Array(value.length);
    let ok = true;
    for (let i = 0; i < value.length; i++) {
      const result = this.item.check(value[i], [...path, i], issues);
      if (result === invalid) ok = false;
      else out[i] = result;
    }
    return ok ? out : invalid;
  }
}

function literal<const T extends string | number | boolean | null>(expected: T): Schema<T> {
  return wrap<T>((value, path, issues) => (value === expected ? expected : fail(issues, path, `expected ${JSON.stringify(expected)}`)));
}

function oneOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  const allowed = new Set<unknown>(values);
  return wrap<T[number]>((value, path, issues) =>
    allowed.has(value) ? (value as T[number]) : fail(issues, path, `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`));
}

function record<V>(key: Schema<string>, item: Schema<V>): Schema<Record<string, V>> {
  return wrap<Record<string, V>>((value, path, issues) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(issues, path, `expected an object, got ${describe(value)}`);
    const out: Record<string, V> = {};
    let ok = true;
    for (const [k, v] of Object.entries(value)) {
      const okKey = key.check(k, [...path, k], issues) !== invalid;
      const result = item.check(v, [...path, k], issues);
      if (!okKey || result === invalid) ok = false;
      else Object.defineProperty(out, k, { value: result, enumerable: true, writable: true, configurable: true });
    }
    return ok ? out : invalid;
  });
}

/** The first option that accepts the value; otherwise the issues of the option that got furthest. */
function union<const T extends readonly Schema<unknown>[]>(options: T): Schema<Infer<T[number]>> {
  return wrap<Infer<T[number]>>((value, path, issues) => {
    let best: Issue[] | null = null;
    for (const option of options) {
      const own: Issue[] = [];
      const result = option.check(value, path, own);
      if (result !== invalid && own.length === 0) return result as Infer<T[number]>;
      if (best === null || depth(own) > depth(best)) best = own;
    }
    for (const issue of best ?? [{ path, message: 'no option matches' }]) issues.push(issue);
    return invalid;
  });
}
const depth = (issues: Issue[]) => issues.reduce((deepest, i) => Math.max(deepest, i.path.length), 0);

function tuple<const T extends readonly Schema<unknown>[]>(items: T): Schema<{ [K in keyof T]: Infer<T[K]> }> {
  return wrap((value, path, issues) => {
    if (!Array.isArray(value)) return fail(issues, path, `expected an array, got ${describe(value)}`);
    if (value.length !== items.length) return fail(issues, path, `expected ${items.length} items, got ${value.length}`);
    const results = items.map((item, i) => item.check(value[i], [...path, i], issues));
    return results.includes(invalid) ? invalid : (results as { [K in keyof T]: Infer<T[K]> });
  });
}

export const s = {
  string: () => new StringSchema(),
  number: () => new NumberSchema(false),
  /** A number, or plain decimal text (settings come as text). */
  coerceNumber: () => new NumberSchema(true),
  unknown: () => wrap<unknown>((value) => value),
  literal,
  oneOf,
  object: <S extends Shape>(shape: S) => new ObjectSchema(shape),
  array: <T>(item: Schema<T>) => new ArraySchema(item),
  record,
  union,
  tuple,
};
