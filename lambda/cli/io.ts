/** What a command may touch, injected so tests run commands in-process. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  /** Reads all of standard input. */
  readonly readStdin: () => Promise<string>;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * A command: takes its own arguments (after the command name), returns the exit code (0, or 1 for a failure
 * that is not the caller's: an AWS call failed, a diff found differences). Misuse is thrown as a
 * `UsageError` (errors.ts).
 */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Exit code for usage errors and invalid input files (mappings that fail validation, …). */
export const EXIT_USAGE = 2;

/** The process's real streams. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    cwd: process.cwd(),
    env: process.env,
  };
}
