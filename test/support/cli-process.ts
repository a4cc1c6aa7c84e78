import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../pipeline/io/paths.js';

/**
 * The compiled `briefing` CLI as a child process a test can watch and kill: started detached, so it leads its
 * own process group and `killGroup()` takes everything it started in that group with it. (Chromium is started
 * by Puppeteer in a session of its own and is not in the group: it goes when its pipe to the CLI closes.)
 */

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the output so far matches `pattern`; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Exit code or signal, once the process has ended and its output is closed. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL the whole process group (no-op once it has ended). */
  killGroup(): void;
}

export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliProcess {
  const child = spawn(process.execPath, [join(projectRoot, 'dist/pipeline/cli.js'), ...args], {
    cwd: options.cwd ?? projectRoot,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  child.stdout!.on('data', (chunk) => ((out += chunk), notify()));
  child.stderr!.on('data', (chunk) => ((err += chunk), notify()));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => ((ended = true), notify(), resolve({ code, signal })));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(out + err)) return listeners.delete(check), resolve();
          if (ended) return listeners.delete(check), reject(new Error(`the CLI ended before printing ${pattern}:\n${out}\n${err}`));
        };
        listeners.add(check);
        check();
      });
    },
    killGroup() {
      if (ended || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    },
  };
}
