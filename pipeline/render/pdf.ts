import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page, PDFOptions } from 'puppeteer';
import { errorMessage, PrintError } from '../errors.js';
import { escapeHtml } from '../io/escape.js';

/**
 * Print the briefing's HTML to an A4 PDF with Chromium through Puppeteer. Locked down: JavaScript off, service workers
 * bypassed, every request but a `data:`/`about:` subresource aborted, no host name resolved, and a pipe instead of a
 * debugging port. Every step has a deadline; a crashed browser is replaced once per printer; a browser is always
 * closed (its process group killed if it won't go), and with the pipe it exits when this process dies.
 */

export interface PrintOptions {
  /** Chromium to use; default: PUPPETEER_EXECUTABLE_PATH, then .puppeteerrc.cjs (system Chromium), then Puppeteer's own. */
  executablePath?: string;
  /** Time allowed for launching, loading and printing, each. @default 30000 (ms), BRIEFING_PRINT_TIMEOUT_MS */
  timeoutMs?: number;
  /** Running header: title and the figures' date; footer: "Side N av M" (the source is under each chart, once). */
  header: string;
  footer: { page: string; of: string };
  /** An @font-face rule for the header and footer: Chromium draws them in a document of their own, which must declare the face too. */
  fontFace?: string;
}

type LaunchSettings = Pick<PrintOptions, 'executablePath' | 'timeoutMs'>;

/** Fault injection for tests; production passes none. */
export interface PrintHooks {
  /** Runs while Chromium prints (`attempt` 2 in the fresh browser after a crash): tests kill or freeze `browser.process()` here. */
  whilePrinting?: (context: { browser: Browser; attempt: number }) => void | Promise<void>;
}

const defaultTimeoutMs = 30_000;
const timeoutSetting = 'BRIEFING_PRINT_TIMEOUT_MS';
const leftInPlace = 'The previous briefing is left in place.';

/** On top of Puppeteer's defaults, none that Chromium calls unsupported: no sandbox (root in CI), no GPU, no traffic of its own. */
export const machineArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** What the printer launches Chromium with besides Puppeteer's defaults; its own lock-down: no host name or IP literal resolves. */
export const chromiumArgs = [...machineArgs, '--host-resolver-rules=MAP * ~NOTFOUND'];

/** Puppeteer, loaded on first use through its CommonJS build: half the CPU time of the ESM build's few hundred modules. */
function loadPuppeteer(): typeof import('puppeteer').default {
  return (createRequire(import.meta.url)('puppeteer') as typeof import('puppeteer')).default;
}

/** Names of variables that may hold a secret, and the mail settings: never handed to the browser. */
const secret = /^(SMTP_|MAIL_)|PASS|SECRET|TOKEN|KEY|CREDENTIAL|AUTH/i;

/** Start Chromium; fails with a PrintError that says how to fix the path, or names the timeout. */
export async function launchBrowser(options: LaunchSettings): Promise<Browser> {
  const puppeteer = loadPuppeteer();
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const abort = new AbortController();
  const launching = puppeteer.launch({
    executablePath: resolveExecutable(options, puppeteer),
    headless: true,
    args: chromiumArgs,
    pipe: true,
    // No screen to emulate: the PDF is laid out on the paper size; this saves a relayout of the page at start.
    defaultViewport: null,
    timeout: timeoutMs,
    protocolTimeout: timeoutMs,
    signal: abort.signal,
    // The process's own signal policy decides (the scheduler lets a running job finish).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    env: Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !secret.test(entry[0]))),
  });
  const executablePath = options.executablePath ?? process.env.PUPPETEER_EXECUTABLE_PATH;
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

const debianLauncher = '/usr/bin/chromium';
const debianBinary = '/usr/lib/chromium/chromium';

/**
 * The Chromium binary (undefined: Puppeteer decides): the given path, PUPPETEER_EXECUTABLE_PATH or .puppeteerrc.cjs, with
 * Debian's launcher script replaced by the binary it runs (the script forks a dozen helpers: 0.1–0.4 s a launch).
 */
export function resolveExecutable(options: Pick<LaunchSettings, 'executablePath'> = {}, puppeteer = loadPuppeteer()): string | undefined {
  let configured = options.executablePath ?? process.env.PUPPETEER_EXECUTABLE_PATH;
  try {
    configured ??= puppeteer.executablePath();
  } catch {
    // launch() then fails with Puppeteer's own explanation
  }
  if (configured !== debianLauncher) return configured || undefined;
  try {
    accessSync(debianBinary, constants.X_OK);
    return debianBinary;
  } catch {
    return configured;
  }
}

/**
 * A browser and one page, launched at once and reused for every document. `print` queues a document; a crash is retried
 * once per printer in a fresh browser. `close` (never throws) closes it once the documents asked for are printed.
 */
export function openPrinter(settings: LaunchSettings, effects: { hooks?: PrintHooks; log?: (line: string) => void } = {}) {
  const timeoutMs = settings.timeoutMs ?? defaultTimeoutMs;
  const start = async () => {
    const browser = await launchBrowser(settings);
    try {
      // The tab Chromium opens at start is used, not a new one: one renderer fewer to start.
      const page = await withDeadline(
        browser.pages().then(([first]) => first ?? browser.newPage()),
        timeoutMs,
        'to open a page',
      );
      return { browser, tab: await lockDown(page, timeoutMs) };
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
    print(html: string, options: PrintOptions): Promise<Uint8Array> {
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
            if (hung || !(await hasCrashed(browser, tab))) throw asPrintError(error, options.timeoutMs ?? defaultTimeoutMs);
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
    close(): Promise<void> {
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
 * Close the browser and everything it started; never throws. SIGTERM (three times faster than `Browser.close`; not
 * sent to a browser known to hang), then after `graceMs` SIGKILL to its process group (zygotes and renderers a crash
 * left), then wait for Puppeteer to remove the profile. A browser without a `process()` is closed over the protocol.
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
const within = (work: Promise<unknown>, ms: number) => Promise.race([work.catch(() => undefined), sleep(ms, undefined, { ref: false })]);

/** A page with scripts off, service workers bypassed and only `data:`/`about:` subresources let through; `crashed`: its renderer died. */
type LockedPage = { page: Page; crashed: boolean };

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

const marginText =
  'font-family: Roboto, "Liberation Sans", Arial, sans-serif; font-size: 7.5pt; color: #2d6975; width: 100%; padding: 0 17mm; display: flex; justify-content: space-between;';

/** What the briefing's PDF is printed with: A4 (the stylesheet's @page decides), running header and footer, tagged, with an outline. */
export function pdfOptions({ header, footer, fontFace }: Pick<PrintOptions, 'header' | 'footer' | 'fontFace'>): PDFOptions {
  // The font rule comes from our own assets; `<` can't occur in it.
  const style = fontFace && !fontFace.includes('<') ? `<style>${fontFace}</style>` : '';
  const margin = (left: string, right: string) => `${style}<div style='${marginText}'><span>${left}</span><span>${right}</span></div>`;
  const pages = `${escapeHtml(footer.page)} <span class="pageNumber"></span> ${escapeHtml(footer.of)} <span class="totalPages"></span>`;
  return {
    format: 'A4',
    printBackground: true,
    preferCSSPageSize: true,
    displayHeaderFooter: true,
    headerTemplate: margin(escapeHtml(header), ''),
    footerTemplate: margin('', pages),
    tagged: true,
    outline: true,
  };
}

/** A crash: the browser is gone, or the page's renderer died. Looks for up to 1 s, as the news can trail the error. */
async function hasCrashed(browser: Browser, tab: LockedPage): Promise<boolean> {
  const child = browser.process();
  const gone = () => !browser.connected || tab.crashed || tab.page.isClosed() || (child !== null && (child.exitCode !== null || child.signalCode !== null));
  for (let waited = 0; waited < 1_000 && !gone(); waited += 50) await sleep(50);
  return gone();
}

/** A step that took longer than `ms`: a PrintError naming it and the setting that allows more. */
function tooSlow(step: string, ms: number, cause?: unknown): PrintError {
  return new PrintError(
    `Chromium took longer than ${ms} ms ${step} and was stopped. Raise ${timeoutSetting} (now ${ms}) ` +
      `if the machine is slow, or run again with --debug. ${leftInPlace}`,
    { step, timeoutMs: ms, setting: timeoutSetting, cause },
  );
}

/** `work`, or a `tooSlow` rejection after `ms`; `onExpire` stops what is still running. */
function withDeadline<T>(work: Promise<T>, ms: number, step: string, onExpire?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onExpire?.();
      reject(tooSlow(step, ms));
    }, ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Our deadline, or Puppeteer's own timeout (which can fire at the same moment). */
function isTimeout(error: unknown): boolean {
  return error instanceof PrintError ? error.context.timeoutMs !== undefined : error instanceof Error && error.name === 'TimeoutError';
}

function asPrintError(error: unknown, timeoutMs: number): PrintError {
  if (error instanceof PrintError) return error;
  if (isTimeout(error)) return tooSlow('to print the PDF', timeoutMs, error);
  return new PrintError(`Printing the PDF failed: ${firstLine(error)}. ${leftInPlace}`, { cause: error });
}

const firstLine = (error: unknown) => errorMessage(error).split('\n')[0]!;
