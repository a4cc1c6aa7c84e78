import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { editionDir, editionFiles, editionId, hashDataset, loadEdition, saveEdition, type EditionManifest } from './archive.js';
import type { RunConfig } from './config.js';
import { parseDatasetText, readDatasetText, type Dataset } from './store/dataset.js';
import { OutputError } from './errors.js';
import type { BriefingContext } from './briefing/content.js';
import { latestYear } from './briefing/facts.js';
import { fetchTables, type FetchOutcome } from './fetch.js';
import type { Lang } from './text/format.js';
import { ensureWritableDir, writeOutputs } from './io/outputs.js';
import { packageVersion } from './io/paths.js';
import type { Progress } from './io/progress.js';
import { createStatbankClient } from './statbank/client.js';
import { loadTablesConfig } from './store/tables.js';
import { readHistory, type HistoryEntry } from './update.js';

/**
 * One run of the pipeline, as `npm run report`, the scheduler and CI start it. The caller holds the lock on
 * data/ (pipeline/lock.ts), so runs never interleave.
 *
 *   1 fetch      StatBank ─► data/ (skipped with --offline; "unchanged" or "offline" go on with data/ as it is)
 *   2 dataset    data/dataset.json, validated ─► one edition id per language (year, data hash, tables' updated)
 *   3 build      content ─► charts ─► html ─► pdf            (skipped when every edition exists, unless --force)
 *   4 archive    editions/<id>/{briefing.html,briefing.pdf,manifest.json}, index.html, briefing-<lang>.*
 *   5 email      each edition to each recipient at most once (--email)
 *
 * A failure at any step leaves data/, the archive and the latest briefing as they were before that step.
 */

export interface RunEffects {
  progress: Progress;
  now: () => Date;
  /** For tests: the fetch the StatBank client uses. */
  fetch?: typeof globalThis.fetch;
}

export interface RunOutcome {
  fetch: FetchOutcome | null;
  year: number;
  status: 'new-edition' | 'unchanged';
  editions: { id: string; lang: Lang; created: boolean; pageCount: number; dir: string }[];
  files: string[];
  sent: { edition: string; recipients: string[] }[];
}

export async function runPipeline(config: RunConfig, effects: RunEffects): Promise<RunOutcome> {
  const { progress } = effects;
  await ensureWritableDir(config.outDir, 'The output folder');

  // 1 fetch
  let fetched: FetchOutcome | null = null;
  if (!config.offline) {
    const tables = await loadTablesConfig(config.statbank.tablesPath);
    const client = createStatbankClient({
      baseUrl: config.statbank.baseUrl,
      requestTimeoutMs: config.statbank.requestTimeoutMs,
      maxTotalWaitMs: config.statbank.maxTotalWaitMs,
      ...(effects.fetch ? { effects: { fetch: effects.fetch } } : {}),
    } as Parameters<typeof createStatbankClient>[0]);
    fetched = await progress.stage(
      'fetch',
      () => fetchTables({ dataDir: config.dataDir, tables, client, force: config.force, now: effects.now(), log: progress.info }),
      (o) => o.status,
    );
    if (fetched.status === 'offline') progress.info(`  ${fetched.message}`);
  }

  // 2 dataset and edition ids
  const datasetPath = join(config.dataDir, 'dataset.json');
  const { dataset, dataHash } = await progress.stage('dataset', () => readDataset(datasetPath), (d) => `${d.dataset.observations.length} observations`);
  const year = config.year ?? latestYear(dataset);
  const tables = Object.values(dataset.tables).map((t) => ({ id: t.id, updated: t.updated }));
  const ids = config.langs.map((lang) => ({ lang, id: editionId({ year, lang, dataHash, tables }) }));
  const existing = await Promise.all(ids.map(({ id }) => loadEdition(config.outDir, id).catch(() => null)));

  // 3 build, 4 archive
  let editions: RunOutcome['editions'];
  let files: string[];
  let status: RunOutcome['status'];
  if (!config.force && existing.every((m): m is EditionManifest => m !== null)) {
    status = 'unchanged';
    editions = existing.map((m) => ({ id: m.id, lang: m.lang, created: false, pageCount: m.pageCount, dir: editionDir(config.outDir, m.id) }));
    files = await progress.stage('archive', () => restoreLatest(config.outDir, existing), () => `unchanged: ${ids.map((i) => i.id).join(', ')} already archived (--force rebuilds)`);
  } else {
    status = 'new-edition';
    // Loaded only when an edition is built: a run with nothing new never pays for vega, Handlebars or Puppeteer.
    const { buildBriefings } = await import('./build.js');
    const context = await briefingContext(config, effects.now());
    const built = await buildBriefings(dataset, { year, langs: config.langs, templatesDir: config.templatesDir, chromiumPath: config.chromiumPath, printTimeoutMs: config.printTimeoutMs, context }, progress);
    const generatedAt = effects.now().toISOString();
    editions = [];
    files = await progress.stage(
      'archive',
      async () => {
        for (const [i, b] of built.entries()) {
          const id = ids[i]!.id;
          const saved = await saveEdition({
            outDir: config.outDir,
            manifest: {
              id, lang: b.briefing.lang, year, headline: b.briefing.headline, keyFigures: b.briefing.keyFigures,
              editionDate: b.editionDate, dataHash, tables, generatedAt, toolVersion: packageVersion(), pageCount: b.pageCount,
              files: { ...editionFiles },
            },
            html: b.html,
            pdf: b.pdf,
          });
          editions.push({ id, lang: b.briefing.lang, created: saved.created, pageCount: b.pageCount, dir: saved.dir });
        }
        return writeOutputs(config.outDir, built.flatMap((b) => [
          { name: `briefing-${b.briefing.lang}.html`, data: b.html },
          { name: `briefing-${b.briefing.lang}.pdf`, data: b.pdf },
        ]));
      },
      () => `${editions.filter((e) => e.created).length} new edition(s) in ${join(config.outDir, 'editions')}`,
    );
  }

  // 5 email
  const sent: RunOutcome['sent'] = [];
  if (config.email && config.mail) {
    const { sendBriefing } = await import('./send.js');
    for (const edition of editions) {
      const result = await progress.stage(
        'email',
        () => sendBriefing({ outDir: config.outDir, editionId: edition.id, mail: config.mail!, dryRun: config.dryRun, effects: { log: (l) => progress.info(`  ${l}`) } }),
        (r) => (config.dryRun ? `${r.eml?.length ?? 0} .eml written (dry run)` : `${edition.id} sent to ${r.sent.length}, ${r.alreadySent.length} had it already`),
      );
      sent.push({ edition: edition.id, recipients: result.sent });
    }
  }
  return { fetch: fetched, year, status, editions, files, sent };
}

/**
 * What the briefing tells beyond the figures: what the last update of each table changed (from the history), and,
 * unless offline, SSB's next release of the statistic. Neither can fail a run.
 */
async function briefingContext(config: RunConfig, now: Date): Promise<BriefingContext> {
  const [history, release] = await Promise.all([
    readHistory(config.dataDir).catch(() => []),
    config.offline ? null : import('./statbank/release.js').then(({ nextRelease }) => nextRelease({ url: config.statbank.rssUrl, now, statistic: 'iktbrukn' })),
  ]);
  return { nextRelease: release ? { date: release.date, link: release.link } : null, changes: lastChanges(history) };
}

/** The changes of each table's latest update; a figure re-sourced with the same value is not a change to tell. */
export function lastChanges(history: HistoryEntry[]): BriefingContext['changes'] {
  const lastBatch = new Map<string, string>();
  for (const entry of history) lastBatch.set(entry.table, entry.batch);
  const latest = history.filter((e) => lastBatch.get(e.table) === e.batch);
  if (latest.length === 0) return undefined;
  const count = (kind: string) => latest.filter((e) => e.kind === kind).length;
  const revised = latest.flatMap((e) => {
    if (e.kind !== 'revised' || e.before?.value === e.after?.value) return [];
    const [, measure, year, sizeClass, industry] = e.key.split('|');
    return [{ measure: measure!, year: Number(year), sizeClass: sizeClass!, industry: industry!, before: e.before?.value ?? null, after: e.after?.value ?? null }];
  });
  return { added: count('added'), revised, withdrawn: count('withdrawn') };
}

async function readDataset(path: string): Promise<{ dataset: Dataset; dataHash: string }> {
  const text = await readDatasetText(path);
  return { dataset: parseDatasetText(text, path), dataHash: hashDataset(text) };
}

/** With the editions archived already, make sure briefing-<lang>.* are those editions (copied, not rebuilt). */
async function restoreLatest(outDir: string, editions: EditionManifest[]): Promise<string[]> {
  const files: string[] = [];
  for (const m of editions) {
    for (const [ext, name] of [['html', editionFiles.html], ['pdf', editionFiles.pdf]] as const) {
      const target = join(outDir, `briefing-${m.lang}.${ext}`);
      const source = join(editionDir(outDir, m.id), name);
      const [a, b] = await Promise.all([readFile(source).catch(() => null), readFile(target).catch(() => null)]);
      if (a && b && a.equals(b)) continue;
      if (!a) throw new OutputError(`${source} is missing from the archive. Run again with --force to rebuild edition ${m.id}.`, { path: source });
      await writeOutputs(outDir, [{ name: `briefing-${m.lang}.${ext}`, data: a }]);
      files.push(target);
    }
  }
  return files;
}
