import { describe, expect, it } from 'vitest';
import { s, SchemaError, type Infer, type SafeResult } from '../../pipeline/store/schema.js';

/** The first issue of a failed parse; null when it passed. */
const issue = (result: SafeResult<unknown>) => (result.success ? null : result.error.issues[0]);

describe('pipeline/schema.ts', () => {
  const point = s.object({ x: s.number().int(), label: s.string().min(1).optional(), tags: s.array(s.string()).default([]) }).strict();
  type Point = Infer<typeof point>;

  it('accepts a value of the shape, fills defaults, and types it', () => {
    const p: Point = point.parse({ x: 3 });
    expect(p).toEqual({ x: 3, tags: [] });
    expect(point.parse({ x: 3, label: 'a', tags: ['t'] })).toEqual({ x: 3, label: 'a', tags: ['t'] });
  });

  it('names the path of the first problem', () => {
    expect(issue(point.safeParse({ x: 1.5 }))).toEqual({ path: ['x'], message: 'a whole number' });
    expect(issue(point.safeParse({ x: 1, tags: ['a', 7] }))).toEqual({ path: ['tags', 1], message: 'expected text, got number' });
    expect(issue(point.safeParse({ x: 1, colour: 'red' }))).toEqual({ path: ['colour'], message: 'unknown field "colour"' });
    expect(issue(point.safeParse([1]))).toEqual({ path: [], message: 'expected an object, got an array' });
    expect(() => point.parse({ x: 'one' })).toThrow(SchemaError);
    expect(() => point.parse({ x: 'one' })).toThrow(/^x: expected a finite number, got string$/);
  });

  it('drops undeclared keys unless strict, and never touches a prototype', () => {
    const loose = s.object({ a: s.number() });
    expect(loose.parse({ a: 1, b: 2 })).toEqual({ a: 1 });
    const table = s.record(s.string(), s.object({ id: s.number() }));
    const parsed = table.parse(JSON.parse('{"__proto__": {"id": 1}, "x": {"id": 2}}'));
    expect(Object.keys(parsed)).toEqual(['__proto__', 'x']);
    expect(({} as Record<string, unknown>).id).toBeUndefined();
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  it('numbers are finite; coerceNumber reads text; nullable and optional are distinct', () => {
    expect(s.number().safeParse(Infinity).success).toBe(false);
    expect(s.number().safeParse(Number.NaN).success).toBe(false);
    expect(s.coerceNumber().int().min(1).max(65535).parse('587')).toBe(587);
    expect(s.coerceNumber().parse(' 30000 ')).toBe(30000);
    for (const bad of ['abc', '', ' ', '0x1d1', '4.65e2', '1_000', null, true, ['42']]) expect(s.coerceNumber().safeParse(bad).success, String(bad)).toBe(false);
    expect(s.string().nullable().safeParse(undefined).success).toBe(false);
    expect(s.string().optional().safeParse(null).success).toBe(false);
  });

  it('text checks: regex, url, e-mail, date and time', () => {
    expect(s.string().regex(/^\d{5}$/, 'five digits').safeParse('1097')).toEqual({ success: false, error: { issues: [{ path: [], message: 'five digits' }] } });
    for (const ok of ['https://www.ssb.no/x', 'a://b', ' http://example.no ']) expect(s.string().url().safeParse(ok).success, ok).toBe(true);
    for (const bad of ['http://[', 'no url', '']) expect(s.string().url().safeParse(bad).success, bad).toBe(false);
    const emails = ['ola@example.no', "o'neil+x@mail.example.com", 'Ola.Nordmann@SSB.NO', 'ola@bøker.no', 'øyvind@example.no', 'kari@example.xn--p1ai', 'ola&kari#1@example.no'];
    for (const ok of emails) expect(s.string().email().safeParse(ok).success, ok).toBe(true);
    for (const bad of ['ola', 'ola@', '@example.no', 'ola@example', '.ola@example.no', 'ola.@example.no', 'o..la@example.no', 'ola @example.no', 'a@b.c', 'ola@-x.no', 'ola@x-.no', '"ola"@example.no', 'ola@exa mple.no']) {
      expect(s.string().email().safeParse(bad).success, bad).toBe(false);
    }
    for (const ok of ['2025-09-10T06:00:00Z', '2025-09-10T06:00:00.123+02:00', '2025-09-10T06:00Z']) expect(s.string().datetime().safeParse(ok).success, ok).toBe(true);
    for (const bad of ['2025-09-10', '2025-09-10T06:00:00', '2025-13-45T06:00:00Z', '2025-02-30T00:00:00Z', '2025-04-31T00:00:00Z', '2025-09-10T24:00:00Z', '2025-09-10T06:00:00+0200', '2025-09-10T06:60:00Z']) {
      expect(s.string().datetime().safeParse(bad).success, bad).toBe(false);
    }
    expect(s.string().datetime().safeParse('2024-02-29T23:59:59+14:00').success).toBe(true);
  });

  it('a default is a fresh copy each time', () => {
    const withNotes = s.object({ notes: s.array(s.string()).default([]) });
    withNotes.parse({}).notes.push('changed');
    expect(withNotes.parse({}).notes).toEqual([]);
  });

  it('a union over a huge invalid array fails with issues, not a stack overflow', () => {
    const comment = s.union([s.string(), s.array(s.string())]);
    const result = comment.safeParse(new Array(300_000).fill(0));
    expect(result.success).toBe(false);
  });

  it('oneOf, literal, tuple, union (which reports the option that got furthest)', () => {
    expect(s.oneOf(['nn', 'nb']).safeParse('en').success).toBe(false);
    expect(s.literal('iktbrukn').parse('iktbrukn')).toBe('iktbrukn');
    expect(s.tuple([s.literal('a'), s.number()]).safeParse(['a', 1, 2]).success).toBe(false);
    const line = s.union([
      s.object({ kind: s.literal('added'), key: s.string() }).strict(),
      s.object({ kind: s.literal('table'), counts: s.object({ added: s.number() }).strict() }).strict(),
    ]);
    expect(line.parse({ kind: 'table', counts: { added: 1 } })).toEqual({ kind: 'table', counts: { added: 1 } });
    expect(issue(line.safeParse({ kind: 'table', counts: { added: 'one' } }))?.path).toEqual(['counts', 'added']);
  });

  it('refinements run on a value of the right shape, with paths relative to it', () => {
    const pair = s.object({ a: s.number(), b: s.number() }).superRefine((v, ctx) => {
      if (v.a > v.b) ctx.addIssue({ path: ['b'], message: 'b must not be below a' });
    });
    const wrapped = s.object({ pair });
    expect(issue(wrapped.safeParse({ pair: { a: 2, b: 1 } }))).toEqual({ path: ['pair', 'b'], message: 'b must not be below a' });
    expect(issue(wrapped.safeParse({ pair: { a: 'x', b: 1 } }))?.path).toEqual(['pair', 'a']); // shape first, no refinement
    expect(s.number().refine((n) => n % 2 === 0, { message: 'even' }).safeParse(3)).toEqual({ success: false, error: { issues: [{ path: [], message: 'even' }] } });
  });
});
