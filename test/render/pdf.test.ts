import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { buildBriefings } from '../../pipeline/build.js';
import { PrintError } from '../../pipeline/errors.js';
import { projectRoot } from '../../pipeline/io/paths.js';
import { chromiumArgs, closeBrowser, launchBrowser, openPrinter, type PrintHooks, type PrintOptions } from '../../pipeline/render/pdf.js';
import { createProgress } from '../../pipeline/io/progress.js';
import { describeProcesses, MARK_VAR, markEnv, newMark, watchChromium } from '../support/chromium.js';
import { committed } from '../support/briefing-text.js';
import { runCli } from '../support/cli.js';
import { copyBriefing } from '../support/data-folder.js';

/**
 * The printer's faults, with the real Chromium: a browser killed mid-print (replaced once), killed twice, frozen past
 * the timeout, and one that never answers at start. After each, no process of that browser is left (test/support/
 * chromium.ts finds them by a mark in the environment Puppeteer hands on).
 */

const mark = newMark();
process.env[MARK_VAR] = mark; // launches from this file carry it
const launch = { timeoutMs: 30_000 }; // generous: 2 cores shared with other test files
const options: PrintOptions = { header: 'Prøve', footer: { page: 'Side', of: 'av' }, timeoutMs: 30_000 };
const html = `<!DOCTYPE html><html lang="nn"><title>Prøve</title><h1>Prøve</h1>${'<p>Eitt av to norske føretak bruker sosiale medium.</p>'.repeat(200)}`;

/**
 * Browsers a print hook saw, by pid. They count as started whatever the /proc sampling caught: under heavy load a
 * browser killed mid-print can live and die between two samples.
 */
const printedIn = new Set<number>();
beforeEach(() => printedIn.clear());

/** Kill or freeze the browser (its whole process group, as a crash or a hang would) on the given attempts. */
function fault(signal: 'SIGKILL' | 'SIGSTOP', attempts: number[], hit: number[] = []): PrintHooks {
  return {
    whilePrinting: ({ browser, attempt }) => {
      const pid = browser.process()!.pid!;
      printedIn.add(pid);
      if (!attempts.includes(attempt)) return;
      hit.push(pid);
      process.kill(signal === 'SIGKILL' ? pid : -pid, signal);
    },
  };
}

async function expectNoneLeft(watch: ReturnType<typeof watchChromium>, browsers: number): Promise<void> {
  const left = await watch.stop();
  const started = new Set([...watch.launched.keys(), ...printedIn]);
  expect(started.size, `browsers started: ${[...watch.launched].join('; ')}; seen printing: ${[...printedIn].join(', ')}`).toBe(browsers);
  expect(left, `left behind: ${describeProcesses(left)}`).toEqual([]);
}

/** Live processes in the session `sid` leads. */
async function sessionSize(sid: number): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  let count = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'latin1').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && Number(fields[3]) === sid) count += 1;
  }
  return count;
}

function isPdf(pdf: Uint8Array): boolean {
  return Buffer.from(pdf.subarray(0, 5)).toString('latin1') === '%PDF-';
}

describe("the printer's Chromium", () => {
  test("runs in a supported configuration: Puppeteer's defaults plus the machine's flags and the lock-down, several processes", async () => {
    const watch = watchChromium(mark);
    const browser = await launchBrowser(launch);
    const pid = browser.process()!.pid!;
    let args: string[];
    let processes: number;
    try {
      args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      await (await browser.newPage()).setContent('<p>x</p>');
      processes = await sessionSize(pid);
    } finally {
      await closeBrowser(browser);
    }
    for (const flag of [...chromiumArgs, '--headless=new', '--remote-debugging-pipe', '--disable-dev-shm-usage']) expect(args).toContain(flag);
    expect(args.filter((a) => /^--(single-process|no-zygote|in-process-gpu)$/.test(a))).toEqual([]);
    // Chromium's own process model: zygotes and a renderer beside the browser (Puppeteer starts it as a session leader).
    expect(processes).toBeGreaterThanOrEqual(3);
    await expectNoneLeft(watch, 1);
  });
});

describe('the printer', () => {
  test('prints documents asked for at once one after the other, each whole; after close it prints nothing', async () => {
    const watch = watchChromium(mark);
    const printer = openPrinter(launch);
    const texts = ['Første dokument', 'Andre dokument', 'Tredje dokument'];
    const pdfs = await Promise.all(texts.map((t) => printer.print(html.replace('<h1>Prøve</h1>', `<h1>${t}</h1>`), options)));
    const closing = printer.close();
    const late = await printer.print(html, options).then(
      () => null,
      (e: unknown) => e,
    );
    await closing;
    const { readPdf } = await import('../support/pdf.js');
    const work = await mkdtemp(join(tmpdir(), 'briefing-queue-'));
    try {
      for (const [i, pdf] of pdfs.entries()) {
        await writeFile(join(work, `${i}.pdf`), pdf);
        const text = (await readPdf(join(work, `${i}.pdf`))).text;
        expect(text).toContain(texts[i]);
        for (const other of texts.filter((_, k) => k !== i)) expect(text).not.toContain(other);
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    expect(late).toBeInstanceOf(PrintError);
    expect((late as PrintError).message).toMatch(/^The printer is closed; nothing more can be printed with it\./);
    await expectNoneLeft(watch, 1);
  });
});

describe('a browser that crashes mid-print', () => {
  test('is replaced by a fresh one once, and the document prints', async () => {
    const watch = watchChromium(mark);
    const killed: number[] = [];
    const log: string[] = [];
    const printer = openPrinter(launch, { hooks: fault('SIGKILL', [1], killed), log: (line) => log.push(line) });
    try {
      expect(isPdf(await printer.print(html, options))).toBe(true);
    } finally {
      await printer.close();
    }
    expect(killed).toHaveLength(1);
    expect(log).toEqual([expect.stringMatching(/^Chromium crashed while printing \(.+\); printing again in a fresh browser$/)]);
    await expectNoneLeft(watch, 2);
  });

  test('twice is a PrintError (exit code 6), not a third browser', async () => {
    const watch = watchChromium(mark);
    const printer = openPrinter(launch, { hooks: fault('SIGKILL', [1, 2]) });
    const error = await printer.print(html, options).then(
      () => null,
      (e: unknown) => e,
    );
    await printer.close();
    expect(error).toBeInstanceOf(PrintError);
    expect((error as PrintError).exitCode).toBe(6);
    expect((error as PrintError).message).toMatch(
      /^Chromium crashed while printing, twice, the second time in a fresh browser \(.+\)\. The previous briefing is left in place\. Check free memory/,
    );
    await expectNoneLeft(watch, 2);
  });

  test('in the whole build, every language still gets its PDF', async () => {
    const watch = watchChromium(mark);
    const lines: string[] = [];
    const built = await buildBriefings(
      committed('sosiale-medium'),
      { year: 2013, langs: ['nn', 'en'], templatesDir: join(projectRoot, 'templates'), print: { timeoutMs: 30_000 } },
      createProgress((line) => lines.push(line)),
      { print: fault('SIGKILL', [1]) },
    );
    expect(built.map((b) => b.briefing.lang)).toEqual(['nn', 'en']);
    for (const b of built) {
      expect(isPdf(b.pdf)).toBe(true);
      expect(b.pageCount).toBeGreaterThanOrEqual(3);
    }
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}Chromium crashed while printing .*fresh browser$/));
    expect(lines).toContainEqual(expect.stringMatching(/^✓ pdf 2 printed \d+ ms$/));
    await expectNoneLeft(watch, 2);
  });
});

describe('a browser that hangs', () => {
  test('mid-print: a PrintError naming the timeout and its setting, no retry, the frozen browser killed', async () => {
    const watch = watchChromium(mark);
    const frozen: number[] = [];
    const printer = openPrinter(launch, { hooks: fault('SIGSTOP', [1, 2], frozen) });
    const error = await printer.print(html, { ...options, timeoutMs: 2_000 }).then(
      () => null,
      (e: unknown) => e,
    );
    await printer.close();
    expect(error).toBeInstanceOf(PrintError);
    expect((error as PrintError).message).toBe(
      'Chromium took longer than 2000 ms to print the PDF and was stopped. Raise BRIEFING_PRINT_TIMEOUT_MS (now 2000) if the ' +
        'machine is slow, or run again with --debug. The previous briefing is left in place.',
    );
    expect(frozen).toHaveLength(1);
    await expectNoneLeft(watch, 1);
  });
});

describe('closeBrowser', () => {
  test('kills a browser that does not answer the polite request within the grace period', async () => {
    const watch = watchChromium(mark);
    const browser = await launchBrowser(launch);
    process.kill(-browser.process()!.pid!, 'SIGSTOP'); // a frozen browser leaves SIGTERM pending
    await closeBrowser(browser, 500);
    expect(browser.process()!.signalCode).toBe('SIGKILL');
    await expectNoneLeft(watch, 1);
  });
});

describe('briefing run (as a process)', () => {
  let work: string;
  let data: string;
  const previous = { html: '<!DOCTYPE html><p>last good briefing</p>', pdf: '%PDF-1.4 last good briefing' };
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'briefing-print-'));
    data = await copyBriefing('sosiale-medium', join(work, 'data'));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  test('with a Chromium that never answers: exit 6 after BRIEFING_PRINT_TIMEOUT_MS, previous briefing intact, nothing left', async () => {
    const out = join(work, 'hang');
    const silent = join(work, 'silent-chromium');
    await writeFile(silent, '#!/bin/sh\n# Starts, then never speaks the DevTools protocol.\nexec sleep 120\n');
    await chmod(silent, 0o755);
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'briefing-nn.html'), previous.html);
    await writeFile(join(out, 'briefing-nn.pdf'), previous.pdf);
    const runMark = newMark();
    const watch = watchChromium(runMark);
    const result = await runCli(['run', '--offline', '--year', '2013', '--data', data, '--out', out], {
      env: { ...markEnv(runMark), PUPPETEER_EXECUTABLE_PATH: silent, BRIEFING_PRINT_TIMEOUT_MS: '1000' },
    });
    expect(result.code, result.stdout).toBe(6);
    expect(result.stderr).toMatch(
      /^✗ Chromium took longer than 1000 ms to start and was stopped\. .*raise BRIEFING_PRINT_TIMEOUT_MS \(now 1000\).*previous briefing is left in place\.$/m,
    );
    expect(await readFile(join(out, 'briefing-nn.html'), 'utf8')).toBe(previous.html);
    expect(await readFile(join(out, 'briefing-nn.pdf'), 'utf8')).toBe(previous.pdf);
    await expectNoneLeft(watch, 1);
  });

  test('that succeeds leaves no Chromium process behind', async () => {
    const runMark = newMark();
    const watch = watchChromium(runMark);
    const result = await runCli(['run', '--offline', '--year', '2013', '--data', data, '--out', join(work, 'ok')], { env: markEnv(runMark) });
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^✓ pdf 1 printed \d+ ms$/m);
    await expectNoneLeft(watch, 1);
  });
});
