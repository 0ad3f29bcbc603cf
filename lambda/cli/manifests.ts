import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  checkWebhookUrl,
  DEFAULT_EXCLUDED_NAMESPACES,
  DEFAULT_TIMEOUT_SECONDS,
  defaultCaPem,
  renderWebhookConfigurations,
  WebhookConfigError,
} from '../cluster/webhook-config.ts';
import { getParameterValue, SECRETS_MANAGER_REFERENCE } from '../mappings/ssm.ts';
import { createCliSsmClient, parseCommandArgs } from './common.ts';
import { type Command, EXIT_USAGE } from './io.ts';
import { readStackOutputs, type StackOutputs, StackOutputsError } from './stack-outputs.ts';

const USAGE = `usage: docker-proxy-webhook manifests (--outputs FILE | --url URL) [options]

Prints the MutatingWebhookConfiguration (and, with --validate, the ValidatingWebhookConfiguration) for
kubectl apply -f -.

  --outputs FILE              stack outputs from npx cdk deploy --outputs-file FILE (URLs, timeout,
                              validate mode; the path token is read from Secrets Manager)
  --stack NAME                the stack in the outputs file, when it holds several
  --url URL                   the /mutate URL (the /validate URL is derived from it)
  --token TOKEN               the path token, filling {token} in the URLs (default: read with the
                              standard AWS credential chain, through SSM's Secrets Manager reference)
  --ca-file PEM               CA certificates signing the endpoint (custom domain, local server);
                              default: Amazon's roots for execute-api URLs, else the apiserver's system roots
  --failure-policy P          Ignore (default: fail open) or Fail
  --timeout SECONDS           timeoutSeconds (default: the stack's, else ${DEFAULT_TIMEOUT_SECONDS})
  --exclude-namespaces LIST   comma-separated namespaces never sent to the webhook
                              (default: ${DEFAULT_EXCLUDED_NAMESPACES.join(',')}; "" for none)
  --validate MODE             off (default), warn or deny: also render the ValidatingWebhookConfiguration
`;

/** `docker-proxy-webhook manifests`: see {@link USAGE}. */
export const manifests: Command = async (argv, io) => {
  const args = parseCommandArgs(
    'manifests',
    USAGE,
    {
      outputs: { type: 'string' },
      stack: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      'ca-file': { type: 'string' },
      'failure-policy': { type: 'string', default: 'Ignore' },
      timeout: { type: 'string' },
      'exclude-namespaces': { type: 'string' },
      validate: { type: 'string', default: 'off' },
    },
    argv,
    io,
  );
  if (typeof args === 'number') return args;
  const v = args.values;
  const usage = (message: string) => {
    io.stderr.write(`manifests: ${message}\n`);
    return EXIT_USAGE;
  };
  if ((v.outputs === undefined) === (v.url === undefined))
    return usage('give exactly one of --outputs FILE and --url URL');
  if (args.positionals.length > 0) return usage(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  if (v['failure-policy'] !== 'Ignore' && v['failure-policy'] !== 'Fail') {
    return usage(`--failure-policy must be Ignore or Fail, got ${JSON.stringify(v['failure-policy'])}`);
  }
  const validate = v.validate;
  if (validate !== 'off' && validate !== 'warn' && validate !== 'deny') {
    return usage(`--validate must be off, warn or deny, got ${JSON.stringify(validate)}`);
  }

  try {
    let outputs: StackOutputs = {};
    if (v.outputs !== undefined) outputs = await readStackOutputs(v.outputs, io.cwd, v.stack);
    let mutateUrl = v.url ?? outputs.MutateUrl ?? '';
    let validateUrl =
      v.url !== undefined ? v.url.replace(/\/mutate$/, '/validate') : (outputs.ValidateUrl ?? '');
    // Checked again after {token} is filled in.
    if (v.url !== undefined && !v.url.includes('{token}')) checkWebhookUrl(v.url, '--url');
    if (v.url !== undefined && !/\/mutate$/.test(v.url))
      return usage(`--url ${JSON.stringify(v.url)} must end in /mutate`);
    if (validate !== 'off' && outputs.ValidateMode !== undefined && outputs.ValidateMode !== validate) {
      return usage(
        `--validate ${validate}, but the stack answers /validate in ${outputs.ValidateMode} mode; redeploy with -c validateMode=${validate} or pass --validate ${outputs.ValidateMode}`,
      );
    }

    if (mutateUrl.includes('{token}')) {
      const token = v.token ?? (await readToken(outputs, io.env));
      mutateUrl = mutateUrl.replace('{token}', token);
      validateUrl = validateUrl.replace('{token}', token);
    }
    const url = checkWebhookUrl(mutateUrl, 'mutate URL');

    let caPem: string | undefined;
    if (v['ca-file'] !== undefined) {
      const path = resolve(io.cwd, v['ca-file']);
      try {
        caPem = await readFile(path, 'utf8');
      } catch (error) {
        return usage(`cannot read --ca-file ${path}: ${(error as Error).message}`);
      }
    } else {
      caPem = defaultCaPem(url);
    }

    const timeout = v.timeout ?? outputs.WebhookTimeoutSeconds ?? String(DEFAULT_TIMEOUT_SECONDS);
    if (!/^\d+$/.test(timeout))
      return usage(`--timeout must be whole seconds, got ${JSON.stringify(timeout)}`);
    const excluded =
      v['exclude-namespaces'] === undefined
        ? DEFAULT_EXCLUDED_NAMESPACES
        : v['exclude-namespaces']
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);

    const yaml = renderWebhookConfigurations(
      {
        mutateUrl,
        validateUrl,
        caPem,
        failurePolicy: v['failure-policy'],
        timeoutSeconds: Number(timeout),
        excludedNamespaces: excluded,
        validate,
      },
      ' Generated by `npx docker-proxy-webhook manifests`. The URLs hold the path token: treat this file as a secret.',
    );
    io.stdout.write(yaml);
    if (caPem === undefined) {
      io.stderr.write(
        'manifests: no caBundle: the apiserver will verify the endpoint with its system trust roots\n',
      );
    }
    return 0;
  } catch (error) {
    if (
      error instanceof WebhookConfigError ||
      error instanceof StackOutputsError ||
      error instanceof TokenError
    ) {
      return usage(error.message);
    }
    throw error;
  }
};

class TokenError extends Error {
  override readonly name = 'TokenError';
}

/** The path token from Secrets Manager (through SSM), with the standard credential chain. */
async function readToken(
  outputs: StackOutputs,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  if (env.DPW_PATH_TOKEN !== undefined && env.DPW_PATH_TOKEN !== '') return env.DPW_PATH_TOKEN;
  const name = outputs.PathTokenSecretName;
  if (name === undefined)
    throw new TokenError('the URL holds {token}: pass --token TOKEN (or set DPW_PATH_TOKEN)');
  try {
    return await getParameterValue(createCliSsmClient(), SECRETS_MANAGER_REFERENCE + name, {
      withDecryption: true,
    });
  } catch (error) {
    throw new TokenError(
      `cannot read the path token from secret ${name} (${(error as Error).name}: ${(error as Error).message}); pass --token TOKEN`,
    );
  }
}
