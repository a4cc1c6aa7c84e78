/** Whether a process exists. Signal 0 checks existence only: ESRCH, no such process; EPERM, it exists but is another user's. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
