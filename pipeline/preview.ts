import { once } from 'node:events';
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BriefingError, ConfigError, errorMessage } from './errors.js';
import { writeFileAtomic } from './io/atomic.js';
import { escapeHtml } from './io/escape.js';
import { projectRoot, templatesDir as defaultTemplatesDir } from './io/paths.js';
import type { openPrinter, PrintOptions } from './render/pdf.js';
import type { Lang } from './text/format.js';

/**
 * `briefing preview`: the briefing for one year and language on 127.0.0.1. Saving a template, chart spec, phrasebook
 * or the data renders it again and the open page reloads (server-sent events); an error is shown in the page and the
 * terminal until a good save. `/pdf` prints the current state. Nothing is written to data/ or output/.
 * The render runs in a worker thread, so a saved TypeScript source is transpiled into dist/ and loaded afresh.
 */

interface BriefingPreviewOptions {
  lang: Lang;
  /** Default: the latest year with the headline figure. */
  year?: number;
  /** The briefing's folder (definition and dataset). */
  dataDir: string;
  templatesDir?: string;
  /** Default 0: any free port. */
  port?: number;
  chromiumPath?: string;
  printTimeoutMs?: number;
  /** One line per render or failure. */
  log?: (line: string) => void;
}

interface PreviewState {
  /** Goes up by one with every render, good or failed. */
  version: number;
  ok: boolean;
  /** The error's class and message when the last render failed. */
  error?: { name: string; message: string };
  /** When the last render finished (ms since the epoch) and how long it took. */
  renderedAt: number;
  renderMs: number;
}

export type PreviewServer = Awaited<ReturnType<typeof startBriefingPreview>>;

/** A failed render; `stack` only for a bug (a BriefingError says what to fix, anything else has its stack as the lead). */
type Failure = { name: string; message: string; stack?: string };
type RenderReply = { ok: true; html: string; print: Omit<PrintOptions, 'timeoutMs'> } | { ok: false; error: Failure };
type WorkerSettings = { role: 'briefing-preview-render'; lang: Lang; year?: number; dataDir: string; templatesDir: string };

const host = '127.0.0.1';
/** Quiet time after a change before rendering: editors write a file in several steps. */
const debounceMs = 25;
/** Source folders whose TypeScript the render runs: the words and the content's core (and the templates' helpers). */
const codeFolders = ['pipeline/text', 'pipeline/briefing', 'pipeline/render', 'templates'].map((p) => join(projectRoot, p));
const isSource = (p: string) => p.endsWith('.ts') && !p.endsWith('.d.ts') && p.startsWith(projectRoot + sep) && !p.startsWith(join(projectRoot, 'dist') + sep);
const dataFiles = ['briefing.json', 'dataset.json'];

function failure(error: unknown): Failure {
  const name = error instanceof Error ? error.name : 'Error';
  const message = errorMessage(error);
  if (error instanceof BriefingError) return { name, message };
  return { name, message, stack: (error instanceof Error && error.stack) || `${name}: ${message}` };
}

export async function startBriefingPreview(options: BriefingPreviewOptions) {
  const { dataDir, templatesDir = defaultTemplatesDir } = options;
  const log = options.log ?? (() => undefined);
  let printOptions: Omit<PrintOptions, 'timeoutMs'> | null = null;
  let printer: ReturnType<typeof openPrinter> | null = null;
  let html = '';
  let state: PreviewState = { version: 0, ok: false, renderedAt: 0, renderMs: 0 };
  const clients = new Set<ServerResponse>();

  // The render worker, started on demand; a saved source stops it, so the next one loads the modules again.
  let worker: Worker | null = null;
  let answer: ((reply: RenderReply) => void) | null = null;
  const renderInWorker = () =>
    new Promise<RenderReply>((resolve) => {
      answer = resolve;
      if (!worker) {
        // The compiled module in dist/, where a saved source is transpiled to, also when this one runs from source (as in the tests).
        const started = new Worker(join(projectRoot, 'dist', 'pipeline', 'preview.js'), {
          workerData: { role: 'briefing-preview-render', lang: options.lang, year: options.year, dataDir, templatesDir } satisfies WorkerSettings,
        });
        const fail = (error: Error) => {
          if (worker !== started) return;
          worker = null;
          answer?.({ ok: false, error: failure(error) });
        };
        started.on('message', (reply: RenderReply) => answer?.(reply));
        started.on('error', fail);
        started.on('exit', (code) => fail(new Error(`the render worker stopped (exit code ${code})`)));
        worker = started;
      }
      worker.postMessage('render');
    });
  const stopWorker = async () => {
    const stopping = worker;
    worker = null;
    await stopping?.terminate();
  };

  const render = async (sources: string[]): Promise<RenderReply> => {
    if (sources.length) {
      await transpileIntoDist(sources);
      await stopWorker();
    }
    return renderInWorker();
  };

  const renderOnce = async (changed: string[]) => {
    const started = performance.now();
    const reply = await render(changed.filter(isSource)).catch((error: unknown): RenderReply => ({ ok: false, error: failure(error) }));
    const version = state.version + 1;
    const renderMs = Math.round(performance.now() - started);
    if (reply.ok) {
      ({ html, print: printOptions } = reply);
      state = { version, ok: true, renderedAt: Date.now(), renderMs };
      log(`✓ rendered${changed.length ? ` (${changed.map(shortPath).join(', ')})` : ''} ${renderMs} ms`);
    } else {
      const { name, message, stack } = reply.error;
      state = { version, ok: false, error: { name, message }, renderedAt: Date.now(), renderMs };
      log(`✗ ${message}`);
      if (stack) log(stack);
    }
    for (const client of clients) client.write(`event: reload\ndata: ${state.version}\n\n`);
  };

  // Renders run one at a time, after a quiet time; changes during a render are gathered for the next.
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let rendering = Promise.resolve();
  const changed = (path: string) => {
    if (closed) return;
    pending.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => {
      rendering = rendering.then(() => {
        if (closed || !pending.size) return;
        const paths = [...pending];
        pending = new Set();
        return renderOnce(paths);
      });
    }, debounceMs);
  };

  const print = async (): Promise<Uint8Array> => {
    const { openPrinter } = await import('./render/pdf.js');
    printer ??= openPrinter({ executablePath: options.chromiumPath, timeoutMs: options.printTimeoutMs }, { log: options.log });
    try {
      return await printer.print(html, { ...printOptions!, timeoutMs: options.printTimeoutMs });
    } catch (error) {
      // A printer that failed may be broken: the next request starts a fresh one.
      const broken = printer;
      printer = null;
      await broken.close();
      throw error;
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`✗ ${request.method} ${request.url}: ${errorMessage(error)}`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`${errorMessage(error)}\n`);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://preview').pathname;
    const text = { 'content-type': 'text/plain; charset=utf-8' };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', ...text }).end('Only GET.\n');
    } else if (path === '/') {
      const page = state.ok ? withLiveReload(html, state.version) : errorPage(state);
      response.writeHead(state.ok ? 200 : 500, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
    } else if (path === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(`retry: 500\nevent: reload\ndata: ${state.version}\n\n`);
      clients.add(response);
      request.on('close', () => clients.delete(response));
    } else if (path === '/status') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(state));
    } else if (path === '/pdf' && !state.ok) {
      response.writeHead(409, text).end(`Nothing to print: the last render failed. ${state.error?.message ?? ''}\n`);
    } else if (path === '/pdf') {
      const pdf = await print();
      response.writeHead(200, { 'content-type': 'application/pdf', 'content-length': pdf.byteLength, 'cache-control': 'no-store' }).end(pdf);
    } else {
      response.writeHead(404, text).end('Not found. The preview serves /, /pdf, /events and /status.\n');
    }
  }

  // The folders with everything under them; the briefing's files through their folder (an editor that saves by
  // renaming a new file over the old one would leave a watch on the file itself watching nothing).
  const watchers: FSWatcher[] = [];
  for (const folder of [dataDir, ...new Set([templatesDir, ...codeFolders])]) {
    const recursive = folder !== dataDir;
    try {
      const watcher = watch(folder, { recursive }, (_event, name) => {
        if (recursive || dataFiles.includes(name ?? '')) changed(name ? join(folder, name) : folder);
      });
      watcher.on('error', (error) => log(`✗ cannot watch ${folder}: ${errorMessage(error)}`));
      watchers.push(watcher);
    } catch (error) {
      log(`✗ cannot watch ${folder}: ${errorMessage(error)}`);
    }
  }
  // Keep-alive for the event streams: a proxy or a sleeping laptop would otherwise drop them silently.
  const heartbeat = setInterval(() => {
    for (const client of clients) client.write(': keep-alive\n\n');
  }, 15_000).unref();

  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  rendering = renderOnce([]);
  await rendering;

  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}/`,
    state: () => state,
    async close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
      for (const w of watchers) w.close();
      for (const client of clients) client.end();
      await rendering.catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await Promise.all([stopWorker(), printer?.close()]);
    },
  };
}

/** The page with a script that reloads it when the server says a newer version was rendered. */
function withLiveReload(html: string, version: number): string {
  const script =
    `<script>(() => { const shown = ${version}; const events = new EventSource('/events');` +
    ` events.addEventListener('reload', (e) => { if (Number(e.data) !== shown) location.reload(); }); })();</script>`;
  const at = html.lastIndexOf('</body>');
  return at === -1 ? html + script : html.slice(0, at) + script + html.slice(at);
}

function errorPage(state: PreviewState): string {
  const title = state.version === 0 ? 'Starting' : 'The briefing does not render';
  const message = state.error ? `${state.error.name}: ${state.error.message}` : 'Rendering…';
  return withLiveReload(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
      `<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem;max-width:60rem;color:#162327}` +
      `pre{white-space:pre-wrap;background:#fdede7;border-left:5px solid #dc3400;padding:1rem}</style></head>` +
      `<body><h1>${escapeHtml(title)}</h1><pre id="preview-error">${escapeHtml(message)}</pre>` +
      `<p>Fix the file and save it: this page reloads by itself.</p></body></html>`,
    state.version,
  );
}

function shortPath(path: string): string {
  const fromRoot = relative(projectRoot, path);
  return fromRoot.startsWith('..') || isAbsolute(fromRoot) ? path : fromRoot;
}

/**
 * What `tsc` would write for each changed source, without the type check (the next `npm run build` does that):
 * dist/<path>.js and its source map, each replaced whole. A syntax error fails the render with its place.
 */
async function transpileIntoDist(sources: string[]): Promise<void> {
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch (error) {
    throw new ConfigError(
      `Cannot reload ${sources.map(shortPath).join(', ')}: TypeScript is not installed (npm ci without --omit=dev). Run npm run build and start the preview again.`,
      { cause: error },
    );
  }
  const { config } = ts.readConfigFile(join(projectRoot, 'tsconfig.json'), ts.sys.readFile);
  // ES modules as tsc writes them for this "type": "module" package: a single file transpiled under NodeNext can't
  // look up package.json and would come out as CommonJS.
  const compilerOptions = {
    ...ts.convertCompilerOptionsFromJson(config?.compilerOptions, projectRoot).options,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  };
  const diagnosticsHost = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => projectRoot, getNewLine: () => '\n' };
  for (const source of sources) {
    const text = await readFile(source, 'utf8').catch(() => null);
    if (text === null) continue; // deleted or renamed away: the worker's next load reports what is missing
    const out = ts.transpileModule(text, { compilerOptions, fileName: source, reportDiagnostics: true });
    const problems = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (problems.length) throw new ConfigError(ts.formatDiagnostics(problems, diagnosticsHost).trimEnd(), { path: source });
    const target = join(projectRoot, 'dist', relative(projectRoot, source)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, out.outputText);
    if (out.sourceMapText) await writeFileAtomic(`${target}.map`, out.sourceMapText);
  }
}

/** The worker's side: render the briefing on request, from files read afresh when they changed. */
async function serveRenders(settings: WorkerSettings): Promise<void> {
  const [{ loadDefinition }, { parseDataset, readDatasetText }, { latestYear }, { Figures }, build] = await Promise.all([
    import('./store/definition.js'),
    import('./store/dataset.js'),
    import('./briefing/facts.js'),
    import('./briefing/figures.js'),
    import('./build.js'),
  ]);
  const files = dataFiles.map((name) => join(settings.dataDir, name));
  let cached: { key: string; definition: Awaited<ReturnType<typeof loadDefinition>>; dataset: ReturnType<typeof parseDataset> } | null = null;
  parentPort!.on('message', async () => {
    let reply: RenderReply;
    try {
      const infos = await Promise.all(files.map((f) => stat(f).catch(() => null)));
      const key = infos.map((i) => (i ? `${i.mtimeMs}:${i.size}` : 'missing')).join('|');
      if (cached?.key !== key) {
        const definition = await loadDefinition(settings.dataDir);
        cached = { key, definition, dataset: parseDataset(await readDatasetText(settings.dataDir), files[1]!, definition) };
      }
      const { definition, dataset } = cached;
      const year = settings.year ?? latestYear(new Figures(dataset, definition));
      const { briefing, html } = await build.renderHtml(dataset, definition, year, settings.lang, settings.templatesDir);
      const { timeoutMs: _, ...print } = build.printOptionsFor(briefing, 0);
      reply = { ok: true, html, print };
    } catch (error) {
      reply = { ok: false, error: failure(error) };
    }
    parentPort!.postMessage(reply);
  });
}

if (!isMainThread && (workerData as WorkerSettings | undefined)?.role === 'briefing-preview-render') {
  void serveRenders(workerData as WorkerSettings);
}
