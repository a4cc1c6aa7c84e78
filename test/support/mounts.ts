import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real file-system faults for tests, Linux and root only: a tiny tmpfs that fills up (ENOSPC) and a read-only
 * bind mount (EROFS; chmod does not stop root). `mountSupport()` says whether this machine allows them, so a
 * test can skip with the reason instead of failing where mounting is refused (a container without CAP_SYS_ADMIN).
 */

let support: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether `mount -t tmpfs` and a read-only bind mount work here (tried once, on a scratch folder). */
export function mountSupport(): { ok: true } | { ok: false; reason: string } {
  if (support) return support;
  const probe = mkdtempSync(join(tmpdir(), 'mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    execFileSync('mount', ['--bind', probe, probe], { stdio: 'pipe' });
    try {
      execFileSync('mount', ['-o', 'remount,ro,bind', probe], { stdio: 'pipe' });
    } finally {
      execFileSync('umount', [probe], { stdio: 'pipe' });
    }
    support = { ok: true };
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    support = { ok: false, reason: `mount is refused here (${stderr || 'no permission'}); run as root with CAP_SYS_ADMIN` };
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  return support;
}

/** Mount a tmpfs of `bytes` (rounded up to pages by the kernel) on `dir`, created if missing. */
export function mountTmpfs(dir: string, bytes: number): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
}

/** Change a mounted tmpfs's size; it may be made smaller than its free space, down to what it holds. */
export function resizeTmpfs(dir: string, bytes: number): void {
  execFileSync('mount', ['-o', `remount,size=${bytes}`, dir], { stdio: 'pipe' });
}

/** Make `dir` read-only where it is (bind-mounted onto itself, then remounted ro). */
export function bindReadOnly(dir: string): void {
  execFileSync('mount', ['--bind', dir, dir], { stdio: 'pipe' });
  execFileSync('mount', ['-o', 'remount,ro,bind', dir], { stdio: 'pipe' });
}

/** Unmount whatever is mounted on `dir` (lazily, so a test's open handle can't make cleanup fail); no-op if nothing is. */
export function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch {
    // not mounted
  }
}
