import { readdirSync, readlinkSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** This process's resources, for leak checks in long-running tests (Linux: reads /proc/self). */

export interface OpenFds {
  total: number;
  /** Sockets (HTTP keep-alive, SMTP, the test's own servers): they come and go with connections. */
  sockets: number;
  /**
   * Everything else (files, pipes, anon inodes), by target: these should not grow. Files under /proc are left out:
   * they are a test's own momentary reads (the Chromium watch samples /proc/<pid>/stat while the soak runs).
   */
  others: string[];
}

export function openFds(): OpenFds {
  const targets = readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // closed between readdir and readlink (the readdir's own fd, for one)
    }
  });
  const sockets = targets.filter((t) => t.startsWith('socket:')).length;
  const others = targets.filter((t) => !t.startsWith('socket:') && !t.startsWith('/proc/')).sort();
  return { total: sockets + others.length, sockets, others };
}

let gc: (() => void) | null | undefined;

/**
 * V8's heap in use after a full garbage collection, in bytes; null if gc can't be forced. Uses global.gc when
 * Node runs with --expose-gc, else turns the flag on at run time and takes gc from a fresh context.
 */
export function heapAfterGc(): number | null {
  if (gc === undefined) {
    const global = (globalThis as { gc?: () => void }).gc;
    if (global) gc = global;
    else {
      try {
        setFlagsFromString('--expose-gc');
        gc = runInNewContext('gc') as () => void;
      } catch {
        gc = null;
      }
    }
  }
  if (!gc) return null;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
