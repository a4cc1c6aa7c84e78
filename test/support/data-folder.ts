import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultDataRoot } from '../../pipeline/io/paths.js';

/**
 * A copy of a committed briefing folder (definition, dataset, history, raw responses) in `dir`, for a test that may
 * write to it; nothing a running process left there (a lock, a temp file) is copied.
 */
export async function copyBriefing(name: 'sosiale-medium' | 'kunstig-intelligens', dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await cp(join(defaultDataRoot, name), dir, { recursive: true, filter: (source) => !/\/\.(lock|[^/]*\.tmp)$/.test(source) });
  return dir;
}
