import { vi } from 'vitest';

/** What the function wrote: its JSON log lines and EMF metric documents (Powertools writes both to stdout). */
export interface CapturedOutput {
  /** Every JSON line written, parsed. */
  lines(): Record<string, unknown>[];
  /** The log lines with this `message`. */
  logged(message: string): Record<string, unknown>[];
  /** Sum of one EMF metric over every flushed document. */
  counted(metric: string): number;
}

/** Captures stdout and stderr until `vi.restoreAllMocks()`; nothing reaches the terminal meanwhile. */
export function captureOutput(): CapturedOutput {
  const output: string[] = [];
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const lines = () =>
    output
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    lines,
    logged: (message) => lines().filter((l) => l.message === message),
    counted: (metric) =>
      lines()
        .filter((l) => l._aws !== undefined)
        .reduce((n, l) => n + (typeof l[metric] === 'number' ? (l[metric] as number) : 0), 0),
  };
}
