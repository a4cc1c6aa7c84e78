/** One line per stage with its time: "✓ charts 3 rendered 41 ms", through `write` (tests capture it, the scheduler indents it). */
export function createProgress(write: (line: string) => void, now: () => number = () => performance.now()) {
  return {
    async stage<T>(name: string, work: () => Promise<T>, summary?: (result: T) => string): Promise<T> {
      const started = now();
      const result = await work();
      write(`✓ ${name}${summary ? ` ${summary(result)}` : ''} ${Math.round(now() - started)} ms`);
      return result;
    },
    info: write,
  };
}

export type Progress = ReturnType<typeof createProgress>;

export const silentProgress = (): Progress => createProgress(() => undefined);
