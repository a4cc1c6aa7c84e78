import type { Figure } from './facts.js';
import { roundShare } from '../text/format.js';

/**
 * What is newsworthy in an edition, before any wording. Pure. In order of precedence:
 *
 *   1 milestone  the headline share reaches a simple fraction (half, two in three, three in four, seven in ten, ...)
 *                for the first time in the data: no earlier year of the same measure and series reached it;
 *   2 change     the largest change in percentage points since the previous year with the figure, among all
 *                enterprises' figures of the year, when it is at least `newsworthyChangePoints`;
 *   3 record     the headline share is higher than in every earlier year, with at least two earlier years;
 *   4 level      otherwise (and always when there is no earlier year): the headline share itself.
 *
 * Shares and differences are taken in whole per cent (roundShare), as the text prints them.
 */

/** A change smaller than this (percentage points) is not headline news. */
export const newsworthyChangePoints = 5;

/** Fractions a share can pass, as [numerator, denominator]; checked from the highest share down. */
const milestones: [number, number][] = [
  [9, 10], [8, 10], [3, 4], [7, 10], [2, 3], [6, 10], [1, 2], [4, 10], [1, 3], [3, 10], [1, 4], [1, 5], [1, 10],
];

export interface Milestone {
  numerator: number;
  denominator: number;
  /** True when the share is above the fraction (by half a point or more), false when it is the fraction. */
  over: boolean;
}

export type News =
  | { kind: 'milestone'; figure: Figure; milestone: Milestone; firstYear: number }
  | { kind: 'change'; figure: Figure & { previous: { year: number; value: number } }; points: number }
  | { kind: 'record'; figure: Figure; firstYear: number }
  | { kind: 'level'; figure: Figure };

export interface NewsInput {
  /** The headline figure (all enterprises, all industries). */
  headline: Figure;
  /** Earlier years of the headline measure in the same series, value present. */
  headlineHistory: { year: number; value: number }[];
  /** The year's figures for all enterprises and industries, each with its previous year when there is one. */
  totals: Figure[];
  /** Ranks measures for ties: lower first. */
  rank: (measure: string) => number;
}

export function findNews(input: NewsInput): News {
  const { headline, headlineHistory } = input;
  const value = roundShare(headline.value!);
  const earlier = headlineHistory.map((h) => roundShare(h.value));
  const firstYear = Math.min(headline.year, ...headlineHistory.map((h) => h.year));
  if (earlier.length > 0) {
    const reached = milestones.find(([n, d]) => value >= (100 * n) / d);
    if (reached && !earlier.some((e) => e >= (100 * reached[0]) / reached[1])) {
      const [numerator, denominator] = reached;
      return { kind: 'milestone', figure: headline, firstYear, milestone: { numerator, denominator, over: value - (100 * numerator) / denominator >= 0.5 } };
    }
  }
  const change = largestChange(input);
  if (change && Math.abs(change.points) >= newsworthyChangePoints) return change;
  if (earlier.length >= 2 && earlier.every((e) => value > e)) return { kind: 'record', figure: headline, firstYear };
  return { kind: 'level', figure: headline };
}

/** The figure with the largest change in whole percentage points; ties go to the measure ranked first. */
export function largestChange(input: NewsInput): Extract<News, { kind: 'change' }> | null {
  let best: Extract<News, { kind: 'change' }> | null = null;
  for (const f of input.totals) {
    if (f.value === null || !f.previous) continue;
    const points = roundShare(f.value) - roundShare(f.previous.value);
    if (points === 0) continue;
    const better = !best || Math.abs(points) > Math.abs(best.points) ||
      (Math.abs(points) === Math.abs(best.points) && input.rank(f.measure) < input.rank(best.figure.measure));
    if (better) best = { kind: 'change', figure: f as Figure & { previous: { year: number; value: number } }, points };
  }
  return best;
}
