/**
 * The command line's errors, in one place. A command throws {@link UsageError} for the caller's mistakes and
 * `main` turns it into exit 2; the others are thrown by the pieces commands use and become usage errors there.
 */
/**
 * Thrown by a command when the arguments or input files are wrong: `main` prints the message (and the usage,
 * when given) on standard error and exits 2 (`EXIT_USAGE`). The message starts with the command's name.
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

/** Thrown when the outputs file is missing, unreadable or holds no docker-proxy-webhook stack. */
export class StackOutputsError extends Error {
  override readonly name = 'StackOutputsError';
}

/** Thrown when the URL needs the path token and it cannot be had. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
}
