import type { Lang } from '../briefing/model.js';
import { en } from './en.js';
import { nb } from './nb.js';
import { nn } from './nn.js';
import type { Phrasebook } from './phrasebook.js';

/** The phrasebook of each language. */
export const phrasebooks: Record<Lang, Phrasebook> = { nn, nb, en };

/** The verb a measure is said with when its definition gives none. */
export const defaultVerb: Record<Lang, { present: string; past: string }> = {
  nn: { present: 'bruker', past: 'brukte' },
  nb: { present: 'bruker', past: 'brukte' },
  en: { present: 'use', past: 'used' },
};

/** "føretaka" / "foretakene" / "enterprises": the population, short, after "av"/"of". */
export const enterprisesShort: Record<Lang, string> = { nn: 'føretaka', nb: 'foretakene', en: 'enterprises' };

/** Said after the population when its total is SSB's "all industries excluding finance" (Total-K). */
export const excludingFinance: Record<Lang, string> = {
  nn: 'utanom finansnæringane',
  nb: 'utenom finansnæringene',
  en: 'outside the financial sector',
};

/** "over 70 prosent": a published bound. */
export const boundWords: Record<Lang, { over: string; under: string }> = {
  nn: { over: 'over', under: 'under' },
  nb: { over: 'over', under: 'under' },
  en: { over: 'more than', under: 'less than' },
};
