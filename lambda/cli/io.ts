/** What a command may touch, injected so tests run commands in-process; and how a command reports misuse. */
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
 * {@link UsageError}.
 */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Exit code for usage errors and invalid input files (mappings that fail validation, …). */
export const EXIT_USAGE = 2;

/**
 * Thrown by a command when the arguments or input files are wrong: `main` prints the message (and the usage,
 * when given) on standard error and exits {@link EXIT_USAGE}. The message starts with the command's name.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command's usage text, printed after the message when the arguments themselves are wrong. */
  readonly usage: string | undefined;

  constructor(message: string, options: { usage?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.usage = options.usage;
  }
}

/** Thrown by a command's argument parser for `--help`: `main` prints the usage on standard output, exit 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
  constructor(readonly usage: string) {
    super('help requested');
  }
}

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
