import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../pipeline/io/paths.js';

/** The compiled CLI, as `npm run report` and CI start it. */
export const cliPath = join(projectRoot, 'dist/pipeline/cli.js');

/**
 * Settings the CLI reads from the environment. A child gets none of them from the test's own environment (a
 * developer's SSB_API_URL, CI's GITHUB_ACTIONS=true), only what the test gives it, so a result can't depend on the
 * shell the suite runs in.
 */
const settingPattern = /^(BRIEFING|SSB|SMTP|MAIL|PUPPETEER)_|^GITHUB_ACTIONS$/;

/** The environment of a CLI child: the test's, without the CLI's settings, plus `extra` (undefined removes a variable). */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!settingPattern.test(key)) env[key] = value;
  env.NO_COLOR = '1';
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * Where a CLI child runs unless a test says otherwise: a folder outside the project (no `.env` there), so every test
 * also shows the CLI finds its templates, data and Chromium from wherever it is started. Tests pass absolute paths.
 */
export const neutralCwd = realpathSync(tmpdir());

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** Run the compiled `briefing` CLI as a separate process, as a user or CI would, and collect its output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? neutralCwd,
      env: cliEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The lines of the CLI's failure (`✗ …`); a run that failed says what happened in exactly one. */
export function errorLines(result: CliResult): string[] {
  return `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.startsWith('✗ '));
}

/** A failure is told on standard error, in `✗` lines and nothing else there; standard output holds none of them. */
export function errorsOnStderrOnly(result: CliResult): boolean {
  const err = result.stderr.split('\n').filter(Boolean);
  return err.length > 0 && err.every((line) => line.startsWith('✗ ')) && !/^✗ /m.test(result.stdout);
}

/** Whether the output holds a JavaScript stack frame (there must be none without --debug). */
export function hasStack(result: CliResult): boolean {
  return /^\s+at .+(\(|:\d+:\d+)/m.test(`${result.stdout}\n${result.stderr}`);
}
