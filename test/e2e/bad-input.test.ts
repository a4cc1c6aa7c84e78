import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { copyCommittedData } from '../support/dataset.js';
import { runCli } from '../support/cli.js';

/**
 * Bad input fails with one clear line, a distinct exit code, and nothing lost: an earlier briefing in the output
 * folder is byte-identical afterwards.
 */
describe('bad input', () => {
  let work: string;
  let out: string;
  const previous = { html: '<!DOCTYPE html><p>last good briefing</p>', pdf: '%PDF-1.4 last good briefing' };

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'briefing-bad-'));
    out = join(work, 'out');
    await copyCommittedData(join(work, 'data'));
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'briefing-nn.html'), previous.html);
    await writeFile(join(out, 'briefing-nn.pdf'), previous.pdf);
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  async function expectPreviousIntact(): Promise<void> {
    expect(await readFile(join(out, 'briefing-nn.html'), 'utf8')).toBe(previous.html);
    expect(await readFile(join(out, 'briefing-nn.pdf'), 'utf8')).toBe(previous.pdf);
  }

  test('a dataset with a broken row names the file, the row and the field', async () => {
    const file = join(work, 'data', 'dataset.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"05","Total+K",60,null', '"05","Total+K","sixty",null'));
    const result = await runCli(['run', '--offline', '--year', '2013', '--data', join(work, 'data'), '--out', out]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^✗ .*dataset\.json: row 2, field "value": .*nothing was rendered\./m);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).not.toContain('✓ pdf');
    await expectPreviousIntact();
  });

  test('a dataset that is not JSON says so and how to restore it', async () => {
    await writeFile(join(work, 'data', 'dataset.json'), '{"format": "ssb-briefing/dataset@2", ');
    const result = await runCli(['run', '--offline', '--data', join(work, 'data'), '--out', out]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/dataset\.json: not valid JSON .*git checkout --/);
    await expectPreviousIntact();
  });

  test('a missing value without its SSB symbol is refused', async () => {
    const file = join(work, 'data', 'dataset.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"05","Total+K",60,null', '"05","Total+K",null,null'));
    const result = await runCli(['run', '--offline', '--data', join(work, 'data'), '--out', out]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/row 2, field "status": a missing value \(null\) needs its SSB status symbol/);
    await expectPreviousIntact();
  });

  test('an unknown --lang lists the languages', async () => {
    const result = await runCli(['run', '--offline', '--lang', 'se', '--data', join(work, 'data'), '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('✗ --lang: "se" is not a language of the briefing. Use one of nn, nb, en (or several, comma-separated).\n');
    await expectPreviousIntact();
  });

  test('a --year with no data lists the years there are', async () => {
    const result = await runCli(['run', '--offline', '--year', '2011', '--data', join(work, 'data'), '--out', out]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^✗ The dataset has no figures for 2011\. Years with figures: 2013, .*2019\. Choose one of them with --year\.$/m);
    await expectPreviousIntact();
  });

  test('an unwritable --out fails before any work', async () => {
    const blocker = join(work, 'not-a-folder');
    await writeFile(blocker, 'a file where the output folder should be');
    const result = await runCli(['run', '--offline', '--year', '2013', '--data', join(work, 'data'), '--out', join(blocker, 'out')]);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/^✗ The output folder .*not-a-folder\/out is not writable \((ENOTDIR|EEXIST|EACCES)\)\. Choose another folder with --out/m);
    expect(result.stdout).toBe('');
  });

  test('an unknown option or command points to --help', async () => {
    const option = await runCli(['run', '--offline', '--yaer', '2013']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/Unknown option '--yaer'.*briefing --help/);
    const command = await runCli(['publish']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('Unknown command "publish"');
  });

  test('a Chromium that cannot start leaves the previous briefing in place', async () => {
    const result = await runCli(['run', '--offline', '--year', '2013', '--data', join(work, 'data'), '--out', out], { env: { PUPPETEER_EXECUTABLE_PATH: join(work, 'no-such-chromium') } });
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(/^✗ Chromium could not start .*PUPPETEER_EXECUTABLE_PATH.*previous briefing is left in place\.$/m);
    await expectPreviousIntact();
  });
});

describe('help', () => {
  test('briefing --help lists the commands and options', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const word of ['run', '--year', '--lang', '--out', '--debug']) expect(result.stdout).toContain(word);
  });
});
