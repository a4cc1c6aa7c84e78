import { join } from 'node:path';
import type { Definition } from '../briefing/model.js';
import { DatasetError } from '../errors.js';
import { parseJsonText, readJsonFile, type ReadOptions } from '../io/json-file.js';
import { definitionSchema } from './schemas.js';

/** data/<briefing>/briefing.json: which tables a briefing reads, which measures tell its story, and the words for each. */

export const definitionFile = 'briefing.json';

const options = (path: string): ReadOptions => ({
  advice: `Fix it (see README, "Definitions") or restore it with \`git checkout -- ${path}\`; nothing was fetched or rendered.`,
  fail: (message, context) => new DatasetError(message, context),
});

export async function loadDefinition(dataDir: string): Promise<Definition> {
  const path = join(dataDir, definitionFile);
  return (await readJsonFile(path, definitionSchema, options(path))) as Definition;
}

export function parseDefinition(text: string, path: string): Definition {
  return parseJsonText(text, path, definitionSchema, options(path)) as Definition;
}

export function serializeDefinition(definition: Definition): string {
  return JSON.stringify(definition, null, 2) + '\n';
}
