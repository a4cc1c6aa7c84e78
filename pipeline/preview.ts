import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as errors from './errors.js';
import { BriefingError, ConfigError, errorMessage } from './errors.js';
import { writeFileAtomic } from './io/atomic.js';
import { escapeHtml } from './io/escape.js';
import { projectRoot, templatesDir as defaultTemplatesDir } from './io/paths.js';
import type { PrintOptions } from './render/pdf.js';
import type { Lang } from './text/format.js';

/**
 * `briefing preview`: the briefing for one year and language on 127.0.0.1. Saving a template, chart spec, phrasebook
 * or the data renders it again and the open page reloads (server-sent events); an error is shown in the page and the
 * terminal until a good save. `/pdf` prints the current state. Nothing is written to data/ or output/.
 * The render runs in a worker thread, so a saved TypeScript source is transpiled into dist/ and loaded afresh.
 */

interface BriefingPreviewOptions {
  lang: Lang;
  /** @default the latest year with the headline figure */
  year?: number;
  /** The briefing's folder (definition and dataset). */
  dataDir: string;
  /** @default templates/ */
  templatesDir?: string;
  /** @default 0: any free port */
  port?: number;
  chromiumPath?: string;
  /** @default 30000 (ms) */
  printTimeoutMs?: number;
  /** One line per render or failure. */
  log?: (line: string) => void;
}

export interface PreviewState {
  /** Goes up by one with every render, good or failed. */
  version: number;
  ok: boolean;
  /** The error's class and message when the last render failed. */
  error?: { name: string; message: string };
  /** When the last render finished (ms since the epoch) and how long it took. */
  renderedAt: number;
  renderMs: number;
}

export interface PreviewServer {
  url: string;
  state(): PreviewState;
  close(): Promise<void>;
}

type RenderReply = { ok: true; html: string; print: Omit<PrintOptions, 'timeoutMs'> } | { ok: false; error: { name: string; message: string; stack?: string } };

type WorkerSettings = { role: 'briefing-preview-render'; lang: Lang; year?: number; dataDir: string; templatesDir: string };

const host = '127.0.0.1';
/** Quiet time after a change before rendering: editors write a file in several steps. */
const debounceMs = 25;
/** Source folders whose TypeScript the render runs: the words and the content's core (and the templates' helpers). */
const codeFolders = ['pipeline/text', 'pipeline/briefing', 'pipeline/render', 'templates'].map((p) => join(projectRoot, p));
const isSource = (p: string) => p.endsWith('.ts') && !p.endsWith('.d.ts') && p.startsWith(projectRoot + sep) && !p.startsWith(join(projectRoot, 'dist') + sep);

export async function startBriefingPreview(options: BriefingPreviewOptions): Promise<PreviewServer> {
  const { dataDir, templatesDir = defaultTemplatesDir } = options;
  const log = options.log ?? (() => undefined);
  const renderer = new RenderWorker({ role: 'briefing-preview-render', lang: options.lang, year: options.year, dataDir, templatesDir });
  const timeoutMs = options.printTimeoutMs ?? 30_000;
  let printOptions: Omit<PrintOptions, 'timeoutMs'> | null = null;
  let printer: import('./render/pdf.js').Printer | null = null;
  let html = '';
  let state: PreviewState = { version: 0, ok: false, renderedAt: 0, renderMs: 0 };
  const clients = new Set<ServerResponse>();

  // Renders run one at a time; changes during a render are gathered for the next.
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let closed = false;

  const renderOnce = async (changed: string[]) => {
    const started = performance.now();
    const version = state.version + 1;
    try {
      const sources = changed.filter(isSource);
      if (sources.length) {
        await transpileIntoDist(sources);
        await renderer.stop(); // the next render starts a fresh worker, which loads the modules again
      }
      const reply = await renderer.render();
      html = reply.html;
      printOptions = reply.print;
      state = { version, ok: true, renderedAt: Date.now(), renderMs: Math.round(performance.now() - started) };
      log(`✓ rendered${changed.length ? ` (${changed.map(shortPath).join(', ')})` : ''} ${state.renderMs} ms`);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      state = { version, ok: false, error: { name, message: errorMessage(error) }, renderedAt: Date.now(), renderMs: Math.round(performance.now() - started) };
      log(`✗ ${errorMessage(error)}`);
      // A BriefingError says what to fix; anything else is a bug, and its stack is the lead.
      if (!(error instanceof BriefingError) && error instanceof Error && error.stack) log(error.stack);
    }
    for (const client of clients) client.write(`event: reload\ndata: ${state.version}\n\n`);
  };

  const pump = (): void => {
    if (running || closed) return;
    const changed = [...pending];
    pending = new Set();
    running = renderOnce(changed).finally(() => {
      running = null;
      if (pending.size && !closed) pump();
    });
  };

  const changed = (path: string) => {
    if (closed) return;
    pending.add(path);
    clearTimeout(timer);
    timer = setTimeout(pump, debounceMs);
  };

  const print = async (): Promise<Uint8Array> => {
    const { openPrinter } = await import('./render/pdf.js');
    printer ??= openPrinter({ executablePath: options.chromiumPath, timeoutMs }, { log: options.log });
    try {
      return await printer.print(html, { ...printOptions!, timeoutMs });
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

  const watch = [templatesDir, join(dataDir, 'dataset.json'), join(dataDir, 'briefing.json'), ...codeFolders.filter((f) => f !== templatesDir)];
  const watchers = await watchPaths(watch, changed, (path, error) => log(`✗ cannot watch ${path}: ${errorMessage(error)}`));
  // Keep-alive for the event streams: a proxy or a sleeping laptop would otherwise drop them silently.
  const heartbeat = setInterval(() => {
    for (const client of clients) client.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  pump(); // the first render
  await running;

  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}/`,
    state: () => state,
    async close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
      for (const w of watchers) w.close();
      for (const client of clients) client.end();
      await running?.catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await Promise.all([renderer.stop(), printer?.close()]);
    },
  };
}

/**
 * Watch each path: a folder with everything under it, a file through its folder (an editor that saves by writing a
 * new file and renaming it over the old one would leave a watch on the file itself watching nothing).
 */
async function watchPaths(paths: string[], onChange: (path: string) => void, onError: (path: string, error: unknown) => void): Promise<FSWatcher[]> {
  const watchers: FSWatcher[] = [];
  for (const path of paths) {
    const isDir = await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const folder = isDir ? path : dirname(path);
    try {
      const watcher = watch(folder, { recursive: isDir, persistent: true }, (_event, name) => {
        const changedPath = name ? join(folder, name.toString()) : folder;
        if (isDir || basename(changedPath) === basename(path)) onChange(changedPath);
      });
      watcher.on('error', (error) => onError(path, error));
      watchers.push(watcher);
    } catch (error) {
      onError(path, error);
    }
  }
  return watchers;
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
 * The render in a worker thread, one at a time (the server asks for the next once the last is done). The worker runs
 * the compiled preview module in dist/, where a saved source is transpiled to, also when this module was loaded from
 * source (as by the tests).
 */
class RenderWorker {
  private worker: Worker | null = null;
  private call: { resolve: (reply: RenderReply) => void; reject: (error: Error) => void } | null = null;

  constructor(private readonly settings: WorkerSettings) {}

  async render(): Promise<Extract<RenderReply, { ok: true }>> {
    const worker = this.start();
    const reply = await new Promise<RenderReply>((resolve, reject) => {
      this.call = { resolve, reject };
      worker.postMessage('render');
    });
    if (reply.ok) return reply;
    // The worker's error as the class it was (a BriefingError the pipeline raises on purpose), or a plain Error with its stack.
    const known = (errors as Record<string, unknown>)[reply.error.name];
    if (typeof known === 'function' && known.prototype instanceof BriefingError)
      throw new (known as new (message: string) => BriefingError)(reply.error.message);
    throw Object.assign(new Error(reply.error.message), { name: reply.error.name, stack: reply.error.stack ?? `${reply.error.name}: ${reply.error.message}` });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(join(projectRoot, 'dist', 'pipeline', 'preview.js'), { workerData: this.settings });
    worker.on('message', (reply: RenderReply) => this.call?.resolve(reply));
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      this.call?.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the render worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
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
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(projectRoot, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  // ES modules as tsc writes them for this "type": "module" package: a single file transpiled under NodeNext can't
  // look up package.json and would come out as CommonJS.
  const compilerOptions = { ...parsed?.options, module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler };
  for (const source of sources) {
    const text = await readFile(source, 'utf8').catch(() => null);
    if (text === null) continue; // deleted or renamed away: the worker's next load reports what is missing
    const out = ts.transpileModule(text, { compilerOptions, fileName: source, reportDiagnostics: true });
    const problems = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (problems.length) {
      const where = (d: import('typescript').Diagnostic) => {
        if (!d.file || d.start === undefined) return shortPath(source);
        const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
        return `${shortPath(source)}:${line + 1}:${character + 1}`;
      };
      throw new ConfigError(problems.map((d) => `${where(d)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`).join('\n'), { path: source });
    }
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
  const files = [join(settings.dataDir, 'briefing.json'), join(settings.dataDir, 'dataset.json')];
  let cached: { key: string; definition: Awaited<ReturnType<typeof loadDefinition>>; dataset: ReturnType<typeof parseDataset> } | null = null;
  parentPort!.on('message', async () => {
    let reply: RenderReply;
    try {
      // The definition and dataset are read afresh only when either file changed.
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
      const e = error instanceof Error ? error : new Error(String(error));
      reply = { ok: false, error: { name: e.name, message: e.message, stack: error instanceof BriefingError ? undefined : e.stack } };
    }
    parentPort!.postMessage(reply);
  });
}

if (!isMainThread && (workerData as WorkerSettings | undefined)?.role === 'briefing-preview-render') {
  void serveRenders(workerData as WorkerSettings);
}
