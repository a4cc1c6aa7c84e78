import type { Browser, LaunchOptions } from 'puppeteer';
import { PrintError } from './errors.js';

/**
 * Print the briefing's HTML to an A4 PDF with Chromium through Puppeteer. The page runs with JavaScript off and
 * every request that is not `data:` or `about:` blocked, so nothing in the HTML can make the printer reach the
 * network. Every wait has a timeout, and the browser is closed on every path, failure included.
 */

export interface PrintOptions {
  /** Chromium to use; default: PUPPETEER_EXECUTABLE_PATH, then .puppeteerrc.cjs (system Chromium), then Puppeteer's own. */
  executablePath?: string;
  /** Time allowed for launching, loading and printing, each. @default 30000 (ms) */
  timeoutMs?: number;
  /** Running header: title and edition date; footer: "Side N av M" and the source credit. */
  header: string;
  footer: { page: string; of: string; source: string };
  lang: string;
}

/** Flags for a headless Chromium that is quiet on a closed network and runs as root in CI. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
];

export async function launchBrowser(options: Pick<PrintOptions, 'executablePath' | 'timeoutMs'>): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer');
  const launch: LaunchOptions = {
    headless: true,
    args: chromiumArgs,
    timeout: options.timeoutMs ?? 30_000,
    protocolTimeout: options.timeoutMs ?? 30_000,
  };
  const executablePath = options.executablePath ?? process.env.PUPPETEER_EXECUTABLE_PATH;
  if (executablePath) launch.executablePath = executablePath;
  try {
    return await puppeteer.launch(launch);
  } catch (error) {
    throw new PrintError(
      `Chromium could not start (${firstLine(error)}). Install it (Debian: apt-get install chromium) or set ` +
        'PUPPETEER_EXECUTABLE_PATH to a Chrome/Chromium binary. The previous briefing is left in place.',
      { executablePath, cause: error },
    );
  }
}

/** Print one HTML document to PDF bytes, in a fresh page of `browser`. */
export async function printPdf(browser: Browser, html: string, options: PrintOptions): Promise<Uint8Array> {
  const timeout = options.timeoutMs ?? 30_000;
  const page = await browser.newPage();
  try {
    page.setDefaultTimeout(timeout);
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = request.url();
      if (url.startsWith('data:') || url.startsWith('about:')) void request.continue();
      else void request.abort('blockedbyclient');
    });
    await page.setContent(html, { waitUntil: 'load', timeout });
    await page.emulateMediaType('print');
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: true,
      headerTemplate: headerTemplate(options.header),
      footerTemplate: footerTemplate(options.footer),
      tagged: true,
      outline: true,
      timeout,
    });
    return pdf;
  } catch (error) {
    if (error instanceof PrintError) throw error;
    throw new PrintError(`Printing the PDF failed: ${firstLine(error)}. The previous briefing is left in place.`, { cause: error });
  } finally {
    await page.close().catch(() => undefined);
  }
}

/** Launch, print every document, close: the browser never outlives the call. */
export async function printAll(
  documents: { html: string; options: PrintOptions }[],
  launchOptions: Pick<PrintOptions, 'executablePath' | 'timeoutMs'>,
): Promise<Uint8Array[]> {
  const browser = await launchBrowser(launchOptions);
  try {
    const pdfs: Uint8Array[] = [];
    for (const doc of documents) pdfs.push(await printPdf(browser, doc.html, doc.options));
    return pdfs;
  } finally {
    await closeBrowser(browser);
  }
}

/** Close, and if Chromium doesn't answer within 5 s, kill its process so none is left behind. */
export async function closeBrowser(browser: Browser): Promise<void> {
  const child = browser.process();
  const timer = setTimeout(() => child?.kill('SIGKILL'), 5_000);
  try {
    await browser.close();
  } catch {
    child?.kill('SIGKILL');
  } finally {
    clearTimeout(timer);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const marginText = 'font-family: Roboto, "Liberation Sans", Arial, sans-serif; font-size: 7.5pt; color: #2d6975; width: 100%; padding: 0 17mm; display: flex; justify-content: space-between;';

function headerTemplate(text: string): string {
  return `<div style='${marginText}'><span>${escapeHtml(text)}</span><span></span></div>`;
}

function footerTemplate(footer: PrintOptions['footer']): string {
  return (
    `<div style='${marginText}'><span>${escapeHtml(footer.source)}</span>` +
    `<span>${escapeHtml(footer.page)} <span class="pageNumber"></span> ${escapeHtml(footer.of)} <span class="totalPages"></span></span></div>`
  );
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
