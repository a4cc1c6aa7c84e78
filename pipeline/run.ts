import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataHash, editionDir, editionFiles, editionId, listEditions, saveEdition, writeIndex, type EditionManifest } from './archive.js';
import { buildBriefing, type BriefingContext } from './briefing/content.js';
import { deriveFacts, latestYear } from './briefing/facts.js';
import { Figures } from './briefing/figures.js';
import type { Dataset, Lang } from './briefing/model.js';
import type { Config } from './config.js';
import { DeliveryError, OutputError } from './errors.js';
import { fetchTables, type FetchOutcome, type StatbankReader } from './fetch.js';
import type { SendOptions } from './send.js';
import { writeOutputs } from './io/outputs.js';
import { packageVersion } from './io/paths.js';
import type { Progress } from './io/progress.js';
import { parseDataset, readDatasetText } from './store/dataset.js';
import { loadDefinition } from './store/definition.js';
import { lastChanges, readHistory } from './store/history.js';
import { plain } from './text/rich.js';
import { updateDataset } from './update.js';

/**
 * One run: fetch, update, build, archive, send (see README), under the caller's lock. A failure at any step leaves the
 * data folder, the archive and the latest briefing as they were before that step.
 */

interface RunEffects {
  progress: Progress;
  now: () => Date;
  client: () => Promise<StatbankReader>;
  /** Aborted at a first SIGTERM/SIGINT: finish the message on the wire, start nothing new. */
  stop?: AbortSignal;
  /** Aborted at a second: abandon the message on the wire. */
  abort?: AbortSignal;
}

/** The briefing's definition and dataset, as its folder holds them. */
export async function loadData(dataDir: string) {
  const definition = await loadDefinition(dataDir);
  const datasetText = await readDatasetText(dataDir);
  return { definition, datasetText, dataset: parseDataset(datasetText, join(dataDir, 'dataset.json'), definition) };
}

/** Fetch the definition's tables and store what changed; `onFetched` hears the fetch's outcome before the update. */
export async function fetchAndUpdate(
  config: Config,
  data: Awaited<ReturnType<typeof loadData>>,
  { client, progress, now, onFetched }: Pick<RunEffects, 'progress' | 'now'> & { client: StatbankReader; onFetched?: (outcome: FetchOutcome) => void },
) {
  const { definition, dataset } = data;
  const fetched = await progress.stage(
    'fetch',
    () => fetchTables({ definition, dataset, client, force: config.force, now: now(), log: progress.info }),
    (o) => o.status,
  );
  onFetched?.(fetched);
  const update = fetched.fetched.length
    ? await progress.stage(
        'update',
        () => updateDataset({ dataDir: config.dataDir, ...data, fetched: fetched.fetched, now: now() }),
        (u) =>
          u.changed ? u.tables.map((t) => `${t.table}: ${t.added} added, ${t.revised} revised, ${t.withdrawn} withdrawn`).join('; ') : 'no figure changed',
      )
    : null;
  return { fetched, update };
}

/** The `email` stage for one edition. */
export async function sendStage(config: Config, progress: Progress, options: Pick<SendOptions, 'editionId' | 'deadline' | 'resend' | 'effects'>) {
  const { sendEdition } = await import('./send.js');
  return progress.stage(
    'email',
    () =>
      sendEdition({
        outDir: config.outDir,
        mail: config.mail!,
        dryRun: config.dryRun,
        ...options,
        effects: { log: (l) => progress.info(`  ${l}`), ...options.effects },
      }),
    (r) =>
      config.dryRun ? `${r.eml?.length ?? 0} .eml written (dry run)` : `${options.editionId}: sent to ${r.sent.length}, ${r.alreadySent.length} had it already`,
  );
}

export async function runPipeline(config: Config, effects: RunEffects) {
  const { progress } = effects;
  const started = effects.now().getTime();
  const loaded = await loadData(config.dataDir);
  const online = config.offline ? null : await fetchAndUpdate(config, loaded, { client: await effects.client(), progress, now: effects.now });
  if (online?.fetched.status === 'offline') progress.info(`  ${online.fetched.message}`);
  const { dataset, definition } = online?.update ?? loaded;

  // Which editions this run makes: their ids come from the figures each rests on, so the content is derived first.
  const figures = new Figures(dataset, definition);
  const year = config.year ?? latestYear(figures);
  const facts = deriveFacts(dataset, definition, year, figures);
  const context = await briefingContext(config, dataset, effects.now(), online !== null && online.fetched.status !== 'offline');
  const planned = config.langs.map((lang) => {
    const briefing = buildBriefing(dataset, definition, year, lang, context, facts);
    const hash = dataHash(briefing.observations, facts.findings);
    return { lang, briefing, hash, id: editionId({ briefing: config.briefing, year, lang, dataHash: hash }) };
  });
  const archived = new Map((await listEditions(config.outDir)).map((m) => [m.id, m]));
  const existing = planned.map((p) => archived.get(p.id) ?? null);

  let editions: { id: string; lang: Lang; created: boolean; pageCount: number }[];
  let status: 'new-edition' | 'rebuilt' | 'unchanged';
  if (!config.force && existing.every((m): m is EditionManifest => m !== null)) {
    status = 'unchanged';
    editions = existing.map((m) => ({ id: m.id, lang: m.lang, created: false, pageCount: m.pageCount }));
    await progress.stage(
      'archive',
      () => restoreLatest(config.outDir, existing),
      () => `unchanged: ${planned.map((p) => p.id).join(', ')} already archived (--force rebuilds)`,
    );
  } else {
    // Loaded only when an edition is built: a run with nothing new never loads Vega, Handlebars or Puppeteer.
    const { buildBriefings } = await import('./build.js');
    const built = await buildBriefings({ dataset, definition }, { ...config, year, context }, progress);
    const saved: ((typeof editions)[number] & { replaced: boolean })[] = [];
    await progress.stage(
      'archive',
      async () => {
        for (const [i, b] of built.entries()) {
          const plan = planned[i]!;
          const { created, replaced } = await saveEdition({
            outDir: config.outDir,
            replace: config.force,
            now: effects.now(),
            html: b.html,
            pdf: b.pdf,
            claims: { edition: plan.id, lang: b.briefing.lang, year, claims: b.claims },
            manifest: {
              id: plan.id,
              briefing: config.briefing,
              lang: b.briefing.lang,
              year,
              headline: plain(b.briefing.headline.text),
              statisticUrl: b.briefing.about.statisticUrl,
              keyFigures: b.briefing.keyFigures.map((k) => ({ value: plain(k.value.text), label: plain(k.label.text) })),
              editionDate: b.briefing.published,
              revised: b.briefing.revised,
              dataHash: plan.hash,
              tables: Object.values(dataset.tables).map((t) => ({ id: t.id, updated: t.updated })),
              generatedAt: effects.now().toISOString(),
              toolVersion: packageVersion(),
              pageCount: b.pageCount,
              files: { ...editionFiles },
            },
          });
          saved.push({ id: plan.id, lang: plan.lang, created, replaced, pageCount: b.pageCount });
        }
        await writeIndex(config.outDir, config.templatesDir, definition.words.nn.title);
        const latest = built.flatMap((b) => (['html', 'pdf'] as const).map((ext) => ({ name: `briefing-${b.briefing.lang}.${ext}`, data: b[ext] })));
        await writeOutputs(config.outDir, latest);
      },
      () => {
        const replaced = saved.filter((e) => e.replaced).map((e) => e.id);
        return `${saved.filter((e) => e.created).length} new edition(s)${replaced.length ? `, ${replaced.length} rebuilt for the same figures (${replaced.join(', ')})` : ''} in ${join(config.outDir, 'editions')}`;
      },
    );
    editions = saved;
    status = editions.some((e) => e.created) ? 'new-edition' : 'rebuilt';
  }

  const sent: { edition: string; sent: string[] }[] = [];
  if (config.email && config.mail) {
    const failures: DeliveryError[] = [];
    for (const edition of editions) {
      if (effects.stop?.aborted) break;
      // A failed edition doesn't stop the next one; the failures are thrown together at the end.
      const result = await sendStage(config, progress, { editionId: edition.id, deadline: started + config.runDeadlineMs, effects }).catch((error: unknown) => {
        if (!(error instanceof DeliveryError)) throw error;
        failures.push(error);
        return { sent: error.context.sent ?? [] };
      });
      sent.push({ edition: edition.id, sent: result.sent });
    }
    if (failures.length === 1) throw failures[0]!;
    if (failures.length > 1) {
      const all = (list: 'sent' | 'uncertain' | 'failed') => failures.flatMap((f) => f.context[list] ?? []);
      throw new DeliveryError(failures.map((f) => f.message).join('\n'), { sent: all('sent'), uncertain: all('uncertain'), failed: all('failed') });
    }
  }
  return { fetch: online?.fetched ?? null, update: online?.update ?? null, year, status, editions, sent };
}

/** Beyond the figures: what each table's last update changed, and (online) SSB's next release. Neither can fail a run. */
async function briefingContext(config: Config, dataset: Dataset, now: Date, online: boolean): Promise<BriefingContext> {
  const release = online
    ? await import('./statbank/release.js')
        .then(({ nextRelease }) => nextRelease({ url: config.statbank.rssUrl, now, statistic: 'iktbrukn' }))
        .catch(() => null)
    : null;
  const tables = lastChanges(await readHistory(config.dataDir).catch(() => [])).filter((c) => !c.first && c.table in dataset.tables);
  return {
    nextRelease: release ? { date: release.date, link: release.link } : null,
    changes: tables.length
      ? tables.map((c) => ({
          table: c.table,
          updated: c.updated,
          added: c.entries.filter((e) => e.kind === 'added').length,
          withdrawn: c.entries.filter((e) => e.kind === 'withdrawn').length,
          revised: c.entries.flatMap((e) =>
            e.kind === 'revised' && (e.before.value !== e.after.value || e.before.status !== e.after.status)
              ? [{ key: e.key, before: e.before, after: e.after }]
              : [],
          ),
        }))
      : null,
  };
}

/** briefing-<lang>.* as the archived editions (copied, not rebuilt); an archived file missing needs --force. */
async function restoreLatest(outDir: string, editions: EditionManifest[]): Promise<void> {
  for (const m of editions) {
    for (const file of ['claims', 'html', 'pdf'] as const) {
      const source = join(editionDir(outDir, m.id), editionFiles[file]);
      const data = await readFile(source).catch(() => null);
      if (!data) throw new OutputError(`${source} is missing from the archive. Run again with --force to rebuild edition ${m.id}.`, { path: source });
      if (file === 'claims') continue;
      const name = `briefing-${m.lang}.${file}`;
      const current = await readFile(join(outDir, name)).catch(() => null);
      if (!current?.equals(data)) await writeOutputs(outDir, [{ name, data }]);
    }
  }
}
