import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as errors from './errors.js';
import { BriefingError, ConfigError, errorMessage } from './errors.js';
import { escapeHtml } from './io/escape.js';
import { projectRoot, templatesDir as defaultTemplatesDir } from './io/paths.js';
import type { PrintOptions } from './render/pdf.js';
import type { Lang } from './text/format.js';

/**
 * `briefing preview` (`npm run preview`): the briefing for one year and language, served on 127.0.0.1 while it is
 * being written. Saving a template, partial, stylesheet, chart spec, phrasebook or the dataset renders it again and
 * the open page reloads by itself (server-sent events); `/pdf` prints the current state. A template or data error is
 * shown in the page and in the terminal, and the next good save recovers. Nothing is written to data/ or output/.
 *
 * Two parts: `startPreviewServer` serves whatever a `render()` returns and knows nothing of briefings;
 * `startBriefingPreview` wires it to the build's pieces (content, charts, HTML) in a worker thread, so that a saved
 * TypeScript source (a phrasebook) can be loaded afresh: the file is transpiled into dist/ and the worker restarted.
 */

// ── the server ───────────────────────────────────────────────────────────────────────────────────────────────────

export interface PreviewServerOptions {
  /** The page's HTML; throws (a BriefingError, as a rule) when the sources are broken. */
  render: () => Promise<string>;
  /** Folders (watched with everything under them) and files whose change renders again. */
  watch: string[];
  /** The current HTML as a PDF, for `/pdf`. */
  print: (html: string) => Promise<Uint8Array>;
  /** Called with the changed paths before the render they cause (the briefing wiring reloads code here). */
  onChange?: (paths: string[]) => Promise<void>;
  /** @default 0: any free port */
  port?: number;
  /** One line per render or failure. */
  log?: (line: string) => void;
  /** Quiet time after a change before rendering: editors write a file in several steps. @default 25 (ms) */
  debounceMs?: number;
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

const host = '127.0.0.1';

export async function startPreviewServer(options: PreviewServerOptions): Promise<PreviewServer> {
  const log = options.log ?? (() => undefined);
  const debounceMs = options.debounceMs ?? 25;
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
    let next: PreviewState;
    try {
      if (changed.length && options.onChange) await options.onChange(changed);
      html = await options.render();
      next = { version: state.version + 1, ok: true, renderedAt: Date.now(), renderMs: Math.round(performance.now() - started) };
      log(`✓ rendered${changed.length ? ` (${changed.map(shortPath).join(', ')})` : ''} ${next.renderMs} ms`);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      next = {
        version: state.version + 1,
        ok: false,
        error: { name, message: errorMessage(error) },
        renderedAt: Date.now(),
        renderMs: Math.round(performance.now() - started),
      };
      log(`✗ ${errorMessage(error)}`);
      // A BriefingError says what to fix; anything else is a bug, and its stack is the lead.
      if (!(error instanceof BriefingError) && error instanceof Error && error.stack) log(error.stack);
    }
    state = next;
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

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`✗ ${request.method} ${request.url}: ${errorMessage(error)}`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`${errorMessage(error)}\n`);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://preview').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Only GET.\n');
      return;
    }
    if (path === '/') {
      const page = state.ok ? withLiveReload(html, state.version) : errorPage(state);
      response.writeHead(state.ok ? 200 : 500, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
      return;
    }
    if (path === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(`retry: 500\nevent: reload\ndata: ${state.version}\n\n`);
      clients.add(response);
      request.on('close', () => clients.delete(response));
      return;
    }
    if (path === '/status') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(state));
      return;
    }
    if (path === '/pdf') {
      if (!state.ok) {
        response
          .writeHead(409, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`Nothing to print: the last render failed. ${state.error?.message ?? ''}\n`);
        return;
      }
      const pdf = await options.print(html);
      response.writeHead(200, { 'content-type': 'application/pdf', 'content-length': pdf.byteLength, 'cache-control': 'no-store' }).end(pdf);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found. The preview serves /, /pdf, /events and /status.\n');
  }

  const watchers = await watchPaths(options.watch, changed, (path, error) => log(`✗ cannot watch ${path}: ${errorMessage(error)}`));
  // Keep-alive for the event streams: a proxy or a sleeping laptop would otherwise drop them silently.
  const heartbeat = setInterval(() => {
    for (const client of clients) client.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}/`;
  running = renderOnce([]).finally(() => {
    running = null;
    if (pending.size) pump();
  });
  await running;

  return {
    url,
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

// ── the briefing, wired to today's build pieces ──────────────────────────────────────────────────────────────────

export interface BriefingPreviewOptions {
  lang: Lang;
  /** @default the latest year with the headline figure */
  year?: number;
  /** The briefing's folder (definition and dataset). */
  dataDir: string;
  /** @default templates/ */
  templatesDir?: string;
  port?: number;
  chromiumPath?: string;
  /** @default 30000 (ms) */
  printTimeoutMs?: number;
  log?: (line: string) => void;
}

interface RenderRequest {
  id: number;
}

type RenderReply =
  | { id: number; ok: true; html: string; print: Omit<PrintOptions, 'timeoutMs'> }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

interface WorkerSettings {
  role: 'briefing-preview-render';
  lang: Lang;
  year?: number;
  dataDir: string;
  templatesDir: string;
}

/** Source folders whose TypeScript the render runs: the words and the content's core (and the templates' helpers). */
const codeFolders = ['pipeline/text', 'pipeline/briefing', 'pipeline/render', 'templates'].map((p) => join(projectRoot, p));

export async function startBriefingPreview(options: BriefingPreviewOptions): Promise<PreviewServer> {
  const dataDir = options.dataDir;
  const templatesDir = options.templatesDir ?? defaultTemplatesDir;
  const settings: WorkerSettings = { role: 'briefing-preview-render', lang: options.lang, year: options.year, dataDir, templatesDir };
  const renderer = new RenderWorker(settings);
  let printOptions: Omit<PrintOptions, 'timeoutMs'> | null = null;
  let printer: import('./render/pdf.js').Printer | null = null;
  const timeoutMs = options.printTimeoutMs ?? 30_000;

  const server = await startPreviewServer({
    port: options.port,
    log: options.log,
    watch: [templatesDir, join(dataDir, 'dataset.json'), join(dataDir, 'briefing.json'), ...codeFolders.filter((f) => f !== templatesDir)],
    async onChange(paths) {
      const sources = paths.filter(
        (p) => p.endsWith('.ts') && !p.endsWith('.d.ts') && p.startsWith(projectRoot + sep) && !p.startsWith(join(projectRoot, 'dist') + sep),
      );
      if (sources.length === 0) return;
      await transpileIntoDist(sources);
      await renderer.restart();
    },
    async render() {
      const reply = await renderer.render();
      printOptions = reply.print;
      return reply.html;
    },
    async print(html) {
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
    },
  });
  return {
    ...server,
    async close() {
      await server.close();
      await Promise.all([renderer.stop(), printer?.close()]);
    },
  };
}

/**
 * The compiled preview module, which the worker runs: always dist/, where a saved source is transpiled to (and what
 * `npm run build` made), also when this module itself was loaded from source (as by the tests).
 */
const workerFile = join(projectRoot, 'dist', 'pipeline', 'preview.js');

/** The render in a worker thread: a fresh one loads the pipeline's modules again from dist/. */
class RenderWorker {
  private worker: Worker | null = null;
  private next = 1;
  private readonly calls = new Map<number, { resolve: (reply: RenderReply) => void; reject: (error: Error) => void }>();

  constructor(private readonly settings: WorkerSettings) {}

  async render(): Promise<Extract<RenderReply, { ok: true }>> {
    const worker = this.start();
    const id = this.next++;
    const reply = await new Promise<RenderReply>((resolveCall, reject) => {
      this.calls.set(id, { resolve: resolveCall, reject });
      worker.postMessage({ id } satisfies RenderRequest);
    });
    if (reply.ok) return reply;
    throw revive(reply.error);
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerFile, { workerData: this.settings });
    worker.on('message', (reply: RenderReply) => {
      const call = this.calls.get(reply.id);
      this.calls.delete(reply.id);
      call?.resolve(reply);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, call] of this.calls) {
        this.calls.delete(id);
        call.reject(error);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the render worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

/** The worker's error as the class it was (a BriefingError the pipeline raises on purpose), or a plain Error with its stack. */
function revive(error: { name: string; message: string; stack?: string }): Error {
  const classes: Record<string, new (message: string) => BriefingError> = {
    ConfigError: errors.ConfigError,
    DatasetError: errors.DatasetError,
    NoDataError: errors.NoDataError,
    ChartError: errors.ChartError,
    TemplateError: errors.TemplateError,
    PrintError: errors.PrintError,
    OutputError: errors.OutputError,
    JsonStatError: errors.JsonStatError,
  };
  const known = classes[error.name];
  if (known) return new known(error.message);
  const revived = new Error(error.message);
  revived.name = error.name;
  revived.stack = error.stack ?? `${error.name}: ${error.message}`;
  return revived;
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
    await replaceFile(target, out.outputText);
    if (out.sourceMapText) await replaceFile(`${target}.map`, out.sourceMapText);
  }
}

async function replaceFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
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
  type Loaded = { definition: Awaited<ReturnType<typeof loadDefinition>>; dataset: ReturnType<typeof parseDataset> };
  let cached: { key: string; loaded: Loaded } | null = null;
  /** The definition and dataset, read afresh only when either file changed. */
  const load = async (): Promise<Loaded> => {
    const infos = await Promise.all(files.map((f) => stat(f).catch(() => null)));
    const key = infos.map((i) => (i ? `${i.mtimeMs}:${i.size}` : 'missing')).join('|');
    if (cached?.key !== key) {
      const definition = await loadDefinition(settings.dataDir);
      const dataset = parseDataset(await readDatasetText(settings.dataDir), files[1]!, definition);
      cached = { key, loaded: { definition, dataset } };
    }
    return cached.loaded;
  };
  parentPort!.on('message', async ({ id }: RenderRequest) => {
    let reply: RenderReply;
    try {
      const { definition, dataset } = await load();
      const year = settings.year ?? latestYear(new Figures(dataset, definition));
      const { briefing, html } = await build.renderHtml(dataset, definition, year, settings.lang, settings.templatesDir);
      const { timeoutMs: _, ...print } = build.printOptionsFor(briefing, 0);
      reply = { id, ok: true, html, print };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      reply = { id, ok: false, error: { name: e.name, message: e.message, stack: error instanceof BriefingError ? undefined : e.stack } };
    }
    parentPort!.postMessage(reply);
  });
}

if (!isMainThread && (workerData as WorkerSettings | undefined)?.role === 'briefing-preview-render') {
  void serveRenders(workerData as WorkerSettings);
}
