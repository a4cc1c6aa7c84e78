import type { Lang } from '../briefing/model.js';
import { en, type Phrasebook } from './en.js';
import { nb } from './nb.js';
import { nn } from './nn.js';

/** The phrasebook of each language. */
export const phrasebooks: Record<Lang, Phrasebook> = { nn, nb, en };
