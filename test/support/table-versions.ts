import { join } from 'node:path';
import { copyFile, mkdir } from 'node:fs/promises';
import { fetchTables } from '../../pipeline/fetch.js';
import { defaultDataDir } from '../../pipeline/io/paths.js';
import { createStatbankClient } from '../../pipeline/statbank/client.js';
import { loadTablesConfig, defaultTablesPath } from '../../pipeline/store/tables.js';
import type { ReplayServer } from './replay-server.js';
import { serveTable, tableTexts, withCell, withUpdated } from './statbank-fixtures.js';

/**
 * Successive releases of table 10977 for tests that run the pipeline many times against the replay server:
 * version n > 0 has its own `updated` (2025-10-01 plus n minutes) and its own value in one cell, so every
 * version is a real change that makes the fetch write. Version 0 is the fixture as it is.
 */

/** The cell each version changes: all enterprises, all industries, social networks, 2025. */
export const versionCell = { SyssGrpIKT: '00', NACE2007: 'Total+K', ContentsCode: 'SosNettverk', Tid: '2025' } as const;
/** observationKey() of that cell. */
export const versionKey = 'SN2007|social_networks|2025|00|Total+K';

export interface TableVersion {
  n: number;
  /** `updated` StatBank reports for the table. */
  updated: string;
  /** The value of versionCell, in percent. */
  value: number;
}

// Read when first needed, not at import: the compiled soak (dist/test/soak.js) links the fixtures in first.
let fixture: { texts: ReturnType<typeof tableTexts>; updated: string } | undefined;
const base = () => {
  if (!fixture) {
    const texts = tableTexts('10977');
    fixture = { texts, updated: JSON.parse(texts.info).updated as string };
  }
  return fixture;
};

/** Version n's `updated` and cell value (pure): n = 0 is the fixture (92 %); n > 0 cycles through 10..99, never 92 twice in a row. */
export function tableVersion(n: number): TableVersion {
  if (n === 0) return { n, updated: base().updated, value: 92 };
  return { n, updated: new Date(Date.UTC(2025, 9, 1, 6) + n * 60_000).toISOString().replace('.000Z', 'Z'), value: 10 + ((n * 37) % 90) };
}

/** Make the replay server answer table 10977 as version n. */
export function serveVersion(server: ReplayServer, n: number): TableVersion {
  const version = tableVersion(n);
  const { texts } = base();
  if (n === 0) serveTable(server, '10977', texts);
  else serveTable(server, '10977', { ...texts, info: withUpdated(texts.info, version.updated), data: withCell(texts.data, versionCell, version.value) });
  return version;
}

/**
 * `dir` as data/ after a first fetch of 10977 (version 0) from `server`: the committed dataset and tables.json,
 * plus the fetched figures, history and raw responses. Runs the real fetch stage in this process.
 */
export async function fetchedDataDir(dir: string, server: ReplayServer): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of ['dataset.json', 'tables.json']) await copyFile(join(defaultDataDir, name), join(dir, name));
  serveVersion(server, 0);
  const client = createStatbankClient({ baseUrl: server.v2Url, requestTimeoutMs: 10_000, maxTotalWaitMs: 2_000 });
  const outcome = await fetchTables({ dataDir: dir, tables: await loadTablesConfig(defaultTablesPath), client, now: new Date('2025-09-11T07:00:00Z') });
  if (outcome.status !== 'updated') throw new Error(`fetchedDataDir: the first fetch was ${outcome.status}: ${outcome.message}`);
  return dir;
}
