import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, LaunchOptions, Page, PDFOptions } from 'puppeteer';
import { PrintError } from '../errors.js';
import { escapeHtml } from '../io/escape.js';

/**
 * Print the briefing's HTML to an A4 PDF with Chromium through Puppeteer.
 *
 * Locked down: the page runs with JavaScript off, service workers bypassed, and every request that is not a
 * `data:` or `about:` subresource aborted (navigations included), so nothing in the HTML can make the printer reach
 * the network. Below that, Chromium resolves no host name or address at all (`--host-resolver-rules`), and it talks
 * to Puppeteer over a pipe, not a debugging port other local processes could connect to.
 *
 * Unbreakable: every step has a deadline (`timeoutMs`); a browser that crashes is replaced by a fresh one once per
 * printer; a browser is always closed, and its process group killed if it won't go, so none is left behind. With the
 * pipe, Chromium also exits by itself when this process dies, even by SIGKILL.
 */

export interface PrintOptions {
  /** Chromium to use; default: PUPPETEER_EXECUTABLE_PATH, then .puppeteerrc.cjs (system Chromium), then Puppeteer's own. */
  executablePath?: string;
  /** Time allowed for launching, loading and printing, each. @default 30000 (ms), BRIEFING_PRINT_TIMEOUT_MS */
  timeoutMs?: number;
  /** Running header: title and the figures' date; footer: "Side N av M" (the source is under each chart, once). */
  header: string;
  footer: { page: string; of: string };
  /**
   * An @font-face rule for the header and footer, so they are set in the document's typeface: Chromium draws them in
   * a document of their own, which can use a face the page has loaded only when it declares it too.
   */
  fontFace?: string;
  lang: string;
}

export type LaunchSettings = Pick<PrintOptions, 'executablePath' | 'timeoutMs'>;

/** Fault injection for tests; production passes none. */
export interface PrintHooks {
  /** Runs once `page.pdf()` has started, while Chromium prints; `attempt` is 2 in the fresh browser after a crash.
   *  Tests kill (SIGKILL) or freeze (SIGSTOP) `browser.process()` here. */
  whilePrinting?: (context: { browser: Browser; attempt: number }) => void | Promise<void>;
}

const defaultTimeoutMs = 30_000;
const timeoutSetting = 'BRIEFING_PRINT_TIMEOUT_MS';
const leftInPlace = 'The previous briefing is left in place.';

/**
 * What this machine needs on top of Puppeteer's own defaults (which already turn off sync, crash reporting, default
 * apps, first-run screens and the like): no sandbox, as the printer runs as root in CI; no GPU, as there is none; and
 * no network traffic of Chromium's own (background requests, component updates). Nothing Chromium documents as
 * unsupported (no --single-process, no --no-zygote). The bench's floor launches with the same flags.
 */
export const machineArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** The printer's own lock-down below the page's: every host name and IP literal resolves to nothing. */
export const lockDownArgs = ['--host-resolver-rules=MAP * ~NOTFOUND'];

/** Everything the printer launches Chromium with besides Puppeteer's defaults. */
export const chromiumArgs = [...machineArgs, ...lockDownArgs];

/**
 * Launcher scripts and the binary each one ends by exec'ing. Debian's /usr/bin/chromium forks a dozen helpers (uname,
 * grep, find, findmnt, …) to work out flags that Puppeteer's own replace, which costs 0.1–0.4 s a launch.
 */
const launcherScripts: Record<string, string> = { '/usr/bin/chromium': '/usr/lib/chromium/chromium' };

/** The binary behind a known launcher script, when it is there; any other path as it is. */
function directExecutable(path: string): string {
  const binary = launcherScripts[path];
  if (!binary) return path;
  try {
    accessSync(binary, constants.X_OK);
    return binary;
  } catch {
    return path;
  }
}

/**
 * Puppeteer, loaded on first use (a run with nothing to print never loads it) through its CommonJS build: that loads
 * in about half the CPU time of the ESM build's few hundred modules, and the launch waits for it.
 */
function loadPuppeteer(): typeof import('puppeteer').default {
  return (createRequire(import.meta.url)('puppeteer') as typeof import('puppeteer')).default;
}

/** Names of variables that may hold a secret, and the mail settings: never handed to the browser. */
const secret = /^(SMTP_|MAIL_)|PASS|SECRET|TOKEN|KEY|CREDENTIAL|AUTH/i;

/** The environment without anything that may be a secret. */
export function browserEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && !secret.test(entry[0])));
}

/** Start Chromium; fails with a PrintError that says how to fix the path, or names the timeout. */
export async function launchBrowser(options: LaunchSettings): Promise<Browser> {
  const puppeteer = loadPuppeteer();
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const abort = new AbortController();
  const launch: LaunchOptions = {
    headless: true,
    args: chromiumArgs,
    pipe: true,
    // No screen to emulate: the PDF is laid out on the paper size; this saves a relayout of the page at start.
    defaultViewport: null,
    timeout: timeoutMs,
    protocolTimeout: timeoutMs,
    signal: abort.signal,
    // The process's own signal policy decides (the scheduler lets a running job finish); with the pipe, Chromium
    // exits when this process does.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    // Chromium gets the environment without secrets: a browser has no business with the mail password.
    env: browserEnvironment(process.env),
  };
  const executablePath = options.executablePath ?? process.env.PUPPETEER_EXECUTABLE_PATH;
  const resolved = resolveExecutable(options, puppeteer);
  if (resolved) launch.executablePath = resolved;
  const launching = puppeteer.launch(launch);
  try {
    return await withDeadline(launching, timeoutMs, 'to start', () => abort.abort());
  } catch (error) {
    if (isTimeout(error)) {
      void launching.then(closeBrowser, () => undefined); // one that answers after all is closed, not leaked
      throw new PrintError(
        `Chromium took longer than ${timeoutMs} ms to start and was stopped. Check that ${executablePath ?? 'the configured browser'} is a ` +
          `working Chrome/Chromium (PUPPETEER_EXECUTABLE_PATH), or raise ${timeoutSetting} (now ${timeoutMs}) on a slow machine. ${leftInPlace}`,
        { executablePath, timeoutMs, setting: timeoutSetting, cause: error },
      );
    }
    throw new PrintError(
      `Chromium could not start (${firstLine(error)}). Install it (Debian: apt-get install chromium) or set ` +
        `PUPPETEER_EXECUTABLE_PATH to a Chrome/Chromium binary. ${leftInPlace}`,
      { executablePath, cause: error },
    );
  }
}

/**
 * The Chromium binary the printer starts: the given path, PUPPETEER_EXECUTABLE_PATH, or what Puppeteer's
 * configuration names, with a known launcher script replaced by the binary it runs. Undefined: Puppeteer decides.
 */
export function resolveExecutable(options: Pick<LaunchSettings, 'executablePath'> = {}, puppeteer = loadPuppeteer()): string | undefined {
  const configured = options.executablePath ?? process.env.PUPPETEER_EXECUTABLE_PATH ?? configuredExecutable(puppeteer);
  return configured ? directExecutable(configured) : undefined;
}

/** The browser Puppeteer's configuration names (.puppeteerrc.cjs, or its own download), if it can say. */
function configuredExecutable(puppeteer: typeof import('puppeteer').default): string | undefined {
  try {
    return puppeteer.executablePath();
  } catch {
    return undefined; // launch() then fails with Puppeteer's own explanation
  }
}

/** Print one HTML document to PDF bytes, in a fresh locked-down page of `browser`. */
export async function printPdf(browser: Browser, html: string, options: PrintOptions, hooks: PrintHooks = {}): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  let tab: LockedPage | undefined;
  try {
    tab = await lockDown(await withDeadline(browser.newPage(), timeoutMs, 'to open a page'), timeoutMs);
    return await printOnPage(tab.page, html, options, hooks, 1);
  } catch (error) {
    throw asPrintError(error, timeoutMs);
  } finally {
    await tab?.page.close().catch(() => undefined);
  }
}

/** A browser and one page, reused for every document; launched as soon as the printer is opened. */
export interface Printer {
  /** Print one document (after those asked for before it). A crash (browser or page) is retried once per printer, in a fresh browser. */
  print(html: string, options: PrintOptions): Promise<Uint8Array>;
  /** Close the browser once the documents asked for are printed (never throws; a second call waits for the first); no print after it. */
  close(): Promise<void>;
}

export function openPrinter(settings: LaunchSettings, effects: { hooks?: PrintHooks; log?: (line: string) => void } = {}): Printer {
  const timeoutMs = settings.timeoutMs ?? defaultTimeoutMs;
  const start = async () => {
    const browser = await launchBrowser(settings);
    try {
      // The tab Chromium opens at start is used, not a new one: one renderer fewer to start.
      const [first] = await withDeadline(browser.pages(), timeoutMs, 'to open a page');
      return { browser, tab: await lockDown(first ?? (await withDeadline(browser.newPage(), timeoutMs, 'to open a page')), timeoutMs) };
    } catch (error) {
      await closeBrowser(browser);
      throw asPrintError(error, timeoutMs);
    }
  };
  let session = start();
  session.catch(() => undefined); // awaited by print() or close(); this only stops an unhandled rejection meanwhile
  let attempt = 1;
  let hung = false; // a browser that timed out won't answer a polite close either
  let closing: Promise<void> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    print(html, options) {
      if (closing) return Promise.reject(new PrintError(`The printer is closed; nothing more can be printed with it. ${leftInPlace}`));
      // One page prints one document at a time: a call made while another prints waits its turn.
      const printing = queue.then(async () => {
        for (;;) {
          const { browser, tab } = await session;
          try {
            return await printOnPage(tab.page, html, options, effects.hooks ?? {}, attempt);
          } catch (error) {
            // A timeout is not retried: a page that hung once would hang again, and the run would wait twice as long.
            hung = isTimeout(error);
            const crashed = !hung && (await hasCrashed(browser, tab));
            if (!crashed) throw asPrintError(error, options.timeoutMs ?? defaultTimeoutMs);
            if (attempt > 1) {
              throw new PrintError(
                `Chromium crashed while printing, twice, the second time in a fresh browser (${firstLine(error)}). ${leftInPlace} Check free memory and /dev/shm, then run again.`,
                { attempt, cause: error },
              );
            }
            effects.log?.(`Chromium crashed while printing (${firstLine(error)}); printing again in a fresh browser`);
            attempt += 1;
            await closeBrowser(browser);
            session = start();
          }
        }
      });
      queue = printing.catch(() => undefined);
      return printing;
    },
    close() {
      // After the documents already asked for: closing does not cut a print short.
      closing ??= queue
        .then(() => session)
        .then(
          (open) => closeBrowser(open.browser, hung ? 0 : undefined),
          () => undefined,
        );
      return closing;
    },
  };
}

/**
 * Close the browser and everything it started; never throws, never leaves a process behind.
 *
 * 1. Ask: SIGTERM, on which Chromium shuts down in order and exits 0. (Over the protocol, `Browser.close`, the
 *    same takes about three times as long, ~0.5 s against ~0.15 s here.) A browser known to hang is not asked.
 * 2. After `graceMs`, or at once when it has gone: SIGKILL its process group (Puppeteer starts it detached, so the
 *    group is the browser's), which also takes zygotes and renderers that a crashed main process left behind.
 * 3. Wait for Puppeteer to remove the browser's temporary profile (`close()` resolves after that).
 * A browser this process did not start (no `process()`) is only closed over the protocol.
 */
export async function closeBrowser(browser: Browser, graceMs = 3_000): Promise<void> {
  const child = browser.process();
  if (!child?.pid) return void (await within(browser.close(), graceMs));
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  if (graceMs > 0 && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await within(exited, graceMs);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is empty already
  }
  await within(exited, 3_000);
  await within(browser.close(), 3_000);
}

/** Wait for `work` (its failure included) or `ms`, whichever comes first. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A page with scripts off, service workers bypassed and only `data:`/`about:` subresources let through. */
interface LockedPage {
  page: Page;
  /** Its renderer died ("Page crashed!"). */
  crashed: boolean;
}

async function lockDown(page: Page, timeoutMs: number): Promise<LockedPage> {
  const tab: LockedPage = { page, crashed: false };
  page.setDefaultTimeout(timeoutMs);
  page.on('error', () => (tab.crashed = true));
  page.on('request', (request) => {
    const url = request.url();
    const navigation = request.isNavigationRequest();
    if (!navigation && (url.startsWith('data:') || url.startsWith('about:'))) return void request.continue().catch(() => undefined);
    // A navigation (meta refresh, frame) failed as 'aborted' is dropped and the document stays; any other error code
    // would replace it with an error page.
    void request.abort(navigation ? 'aborted' : 'blockedbyclient').catch(() => undefined);
  });
  await withDeadline(
    Promise.all([page.setJavaScriptEnabled(false), page.setBypassServiceWorker(true), page.setRequestInterception(true)]),
    timeoutMs,
    'to prepare the page',
  );
  return tab;
}

async function printOnPage(page: Page, html: string, options: PrintOptions, hooks: PrintHooks, attempt: number): Promise<Uint8Array> {
  const timeout = options.timeoutMs ?? defaultTimeoutMs;
  // Fonts are inline (data:) and scripts off, so 'load' comes as soon as the fonts are decoded.
  await withDeadline(page.setContent(html, { waitUntil: 'load', timeout }), timeout, 'to load the page');
  const printing = page.pdf({ ...pdfOptions(options), timeout });
  printing.catch(() => undefined); // settled below, unless the hook or the deadline comes first
  await hooks.whilePrinting?.({ browser: page.browser(), attempt });
  return withDeadline(printing, timeout, 'to print the PDF');
}

/** What the briefing's PDF is printed with: A4 (the stylesheet's @page decides), running header and footer, tagged, with an outline. */
export function pdfOptions(options: Pick<PrintOptions, 'header' | 'footer' | 'fontFace'>): PDFOptions {
  return {
    format: 'A4',
    printBackground: true,
    preferCSSPageSize: true,
    displayHeaderFooter: true,
    headerTemplate: headerTemplate(options.header, options.fontFace),
    footerTemplate: footerTemplate(options.footer, options.fontFace),
    tagged: true,
    outline: true,
  };
}

/** A crash: the browser is gone, or the page's renderer died. Looks for up to 1 s, as the news can trail the error. */
async function hasCrashed(browser: Browser, tab: LockedPage): Promise<boolean> {
  const child = browser.process();
  const gone = () => !browser.connected || tab.crashed || tab.page.isClosed() || (child !== null && (child.exitCode !== null || child.signalCode !== null));
  for (let waited = 0; waited < 1_000; waited += 50) {
    if (gone()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return gone();
}

class Deadline extends Error {
  constructor(
    readonly step: string,
    readonly ms: number,
  ) {
    super(`took longer than ${ms} ms ${step}`);
  }
}

/** `work`, or a Deadline rejection after `ms`; `onExpire` stops what is still running. */
function withDeadline<T>(work: Promise<T>, ms: number, step: string, onExpire?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onExpire?.();
      reject(new Deadline(step, ms));
    }, ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Our deadline, or Puppeteer's own timeout (which can fire at the same moment). */
function isTimeout(error: unknown): boolean {
  return error instanceof Deadline || (error instanceof Error && error.name === 'TimeoutError');
}

function asPrintError(error: unknown, timeoutMs: number): PrintError {
  if (error instanceof PrintError) return error;
  if (isTimeout(error)) {
    const [step, ms] = error instanceof Deadline ? [error.step, error.ms] : ['to print the PDF', timeoutMs];
    return new PrintError(
      `Chromium took longer than ${ms} ms ${step} and was stopped. Raise ${timeoutSetting} (now ${ms}) ` +
        `if the machine is slow, or run again with --debug. ${leftInPlace}`,
      { step, timeoutMs: ms, setting: timeoutSetting, cause: error },
    );
  }
  return new PrintError(`Printing the PDF failed: ${firstLine(error)}. ${leftInPlace}`, { cause: error });
}

const marginText =
  'font-family: Roboto, "Liberation Sans", Arial, sans-serif; font-size: 7.5pt; color: #2d6975; width: 100%; padding: 0 17mm; display: flex; justify-content: space-between;';

/** The font rule as a style element of a margin template (a rule from our own assets; `<` can't occur in it). */
const marginStyle = (fontFace: string | undefined) => (fontFace && !fontFace.includes('<') ? `<style>${fontFace}</style>` : '');

function headerTemplate(text: string, fontFace?: string): string {
  return `${marginStyle(fontFace)}<div style='${marginText}'><span>${escapeHtml(text)}</span><span></span></div>`;
}

function footerTemplate(footer: PrintOptions['footer'], fontFace?: string): string {
  return (
    `${marginStyle(fontFace)}<div style='${marginText}'><span></span>` +
    `<span>${escapeHtml(footer.page)} <span class="pageNumber"></span> ${escapeHtml(footer.of)} <span class="totalPages"></span></span></div>`
  );
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
