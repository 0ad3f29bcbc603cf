import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

// `npm start` is `docker-proxy-webhook serve`: its flags go through the same parser, its errors through `main`.
// (test/local/server.test.ts starts the real process and stops it with SIGTERM.)
describe('serve', () => {
  it.each([
    [['--port', 'eighty'], 2, 'serve: port "eighty" is not a port number\n'],
    [['--port', '70000'], 2, 'serve: port "70000" is not a port number\n'],
    [['--prot', '1'], 2, /^serve: Unknown option '--prot'[\s\S]*\n\nusage: npm start -- \[options\]/],
    [['extra'], 2, /^serve: unexpected argument "extra"\n\nusage: npm start/],
  ] as const)('%j exits %i with the error on stderr', async (argv, code, stderr) => {
    const run = await runCli(['serve', ...argv]);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe('');
    if (typeof stderr === 'string') expect(run.stderr).toBe(stderr);
    else expect(run.stderr).toMatch(stderr);
  });

  it('exits 1 on a configuration the webhook cannot use, recognised by its class', async () => {
    const run = await runCli(['serve', '--port', '0'], { env: { PATH_TOKEN: 'short' } });
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'serve: PATH_TOKEN must be 16-128 characters of A-Z a-z 0-9 _ -\n',
    });
  });

  it('--help prints the flags on stdout and exits 0', async () => {
    const run = await runCli(['serve', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^usage: npm start -- \[options\]\n {7}docker-proxy-webhook serve \[options\]\n/,
    );
    expect(run.stdout).toContain('--write-config FILE');
    expect(run.stderr).toBe('');
  });

  it('is listed by the command line', async () => {
    const run = await runCli(['--help']);
    expect(run.stdout).toMatch(/^ {2}serve {6}Run the webhook locally over HTTPS \(what npm start runs\)$/m);
  });
});
