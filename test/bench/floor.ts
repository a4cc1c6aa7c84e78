/**
 * The bench's floor: the least a program can do to turn the briefing's HTML into its PDF with Puppeteer. Launch
 * (Puppeteer's defaults, the same Chromium binary and the same machine flags and pipe as the printer), open a page,
 * setContent, pdf (the briefing's page options: A4, header and footer, tagged, outline), close. No data, charts,
 * templates, lock-down or metadata.
 *
 *   node dist/test/bench/floor.js <html file> <pdf file>
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { machineArgs, pdfOptions, resolveExecutable } from '../../pipeline/render/pdf.js';

const [htmlPath, pdfPath] = process.argv.slice(2);
if (!htmlPath || !pdfPath) {
  console.error('usage: floor.js <html file> <pdf file>');
  process.exit(2);
}
const puppeteer = (createRequire(import.meta.url)('puppeteer') as typeof import('puppeteer')).default;
const executablePath = resolveExecutable({}, puppeteer);
const browser = await puppeteer.launch({ headless: true, pipe: true, args: machineArgs, ...(executablePath ? { executablePath } : {}) });
const page = await browser.newPage();
await page.setContent(await readFile(htmlPath, 'utf8'), { waitUntil: 'load' });
const pdf = await page.pdf(pdfOptions({ header: 'Header', footer: { page: 'Side', of: 'av' } }));
await browser.close();
await writeFile(pdfPath, pdf);
