/** `npx docker-proxy-webhook`: the command table and `main`. */
import { HelpRequested, UsageError } from './errors.ts';
import { type CliIo, type Command, EXIT_USAGE, processIo } from './io.ts';

/** Each command lives in its own module, loaded only when called. */
const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<Command> }>> = {
  rewrite: {
    summary: 'Show what the webhook does with image references (arguments or stdin)',
    load: async () => (await import('./rewrite.ts')).rewrite,
  },
  manifests: {
    summary: 'Print the webhook configurations for kubectl apply, from the stack outputs or a URL',
    load: async () => (await import('./manifests.ts')).manifests,
  },
  mappings: {
    summary: 'Validate a mappings document, diff or push it to SSM, or print the one in SSM',
    load: async () => (await import('./mappings.ts')).mappings,
  },
  review: {
    summary: 'Run the webhook on an AdmissionReview file and print the response or the patched pod',
    load: async () => (await import('./review.ts')).review,
  },
  serve: {
    summary: 'Run the webhook locally over HTTPS (what npm start runs)',
    load: async () => (await import('./serve.ts')).serve,
  },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['usage: docker-proxy-webhook <command> [options]', '', 'commands:', ...rows, ''].join('\n');
}

/**
 * Entry point of `npx docker-proxy-webhook` (and `npm start`, which runs `serve`). Returns the exit code; the one
 * place a command's {@link UsageError} becomes exit 2 and `--help` becomes its usage on standard output.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr.write(`docker-proxy-webhook: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.stdout.write(error.usage);
      return 0;
    }
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(error.usage === undefined ? `${error.message}\n` : `${error.message}\n\n${error.usage}`);
    return EXIT_USAGE;
  }
}
