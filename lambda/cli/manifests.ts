/** `docker-proxy-webhook manifests`: the webhook configurations for `kubectl apply`, from the stack outputs or a URL. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  checkWebhookUrl,
  DEFAULT_EXCLUDED_NAMESPACES,
  defaultCaPem,
  type FailurePolicy,
  renderWebhookConfigurations,
  WebhookConfigError,
  type WebhookConfigOptions,
} from '../cluster/webhook-config.ts';
import {
  DEFAULTS,
  OUTPUT,
  SECRETS_MANAGER_REFERENCE,
  TOKEN_PLACEHOLDER,
  VALIDATE_MODES,
} from '../constants.ts';
import { getParameterValue } from '../mappings/ssm.ts';
import { toError } from '../result.ts';
import { createCliSsmClient, parseCommandArgs } from './common.ts';
import { StackOutputsError, TokenError, UsageError } from './errors.ts';
import type { CliIo, Command } from './io.ts';
import { readStackOutputs, type StackOutputs } from './stack-outputs.ts';

const USAGE = `usage: docker-proxy-webhook manifests (--outputs FILE | --url URL) [options]

Prints the MutatingWebhookConfiguration (and, with --validate, the ValidatingWebhookConfiguration) for
kubectl apply -f -.

  --outputs FILE              stack outputs from npx cdk deploy --outputs-file FILE (URLs, timeout,
                              validate mode; the path token is read from Secrets Manager, in the stack's region)
  --stack NAME                the stack in the outputs file, when it holds several
  --url URL                   the /mutate URL (the /validate URL is derived from it)
  --token TOKEN               the path token, filling ${TOKEN_PLACEHOLDER} in the URLs (default: read with the
                              standard AWS credential chain, through SSM's Secrets Manager reference)
  --ca-file PEM               CA certificates signing the endpoint (custom domain, local server);
                              default: Amazon's roots for execute-api URLs, else the apiserver's system roots
  --failure-policy P          Ignore (default: fail open) or Fail
  --timeout SECONDS           timeoutSeconds (default: the stack's, else ${DEFAULTS.webhookTimeoutSeconds})
  --exclude-namespaces LIST   comma-separated namespaces never sent to the webhook
                              (default: ${DEFAULT_EXCLUDED_NAMESPACES.join(',')}; "" for none)
  --validate MODE             off (default), warn or deny: also render the ValidatingWebhookConfiguration
`;

const OPTIONS = {
  outputs: { type: 'string' },
  stack: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  'ca-file': { type: 'string' },
  'failure-policy': { type: 'string', default: 'Ignore' },
  timeout: { type: 'string' },
  'exclude-namespaces': { type: 'string' },
  validate: { type: 'string', default: 'off' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];
type ValidateChoice = NonNullable<WebhookConfigOptions['validate']>;
const VALIDATE_CHOICES: readonly ValidateChoice[] = ['off', ...VALIDATE_MODES];

/** A usage error of this command (no usage text: the message says what to do). */
const usage = (message: string, cause?: unknown) => new UsageError(`manifests: ${message}`, { cause });

/** Checks the options that need no file or network; returns the `--validate` choice. */
function checkOptions(v: Values, positionals: readonly string[]): ValidateChoice {
  if ((v.outputs === undefined) === (v.url === undefined))
    throw usage('give exactly one of --outputs FILE and --url URL');
  if (positionals.length > 0) throw usage(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (v['failure-policy'] !== 'Ignore' && v['failure-policy'] !== 'Fail') {
    throw usage(`--failure-policy must be Ignore or Fail, got ${JSON.stringify(v['failure-policy'])}`);
  }
  const validate = v.validate as ValidateChoice;
  if (!VALIDATE_CHOICES.includes(validate)) {
    throw usage(`--validate must be off, warn or deny, got ${JSON.stringify(v.validate)}`);
  }
  return validate;
}

/** The /mutate and /validate URLs, from --url or the stack outputs, with the path token filled in. */
async function webhookUrls(v: Values, outputs: StackOutputs, validate: ValidateChoice, io: CliIo) {
  let mutateUrl = v.url ?? outputs[OUTPUT.mutateUrl] ?? '';
  let validateUrl =
    v.url !== undefined ? v.url.replace(/\/mutate$/, '/validate') : (outputs[OUTPUT.validateUrl] ?? '');
  // Checked again after {token} is filled in.
  if (v.url !== undefined && !v.url.includes(TOKEN_PLACEHOLDER)) checkWebhookUrl(v.url, '--url');
  if (v.url !== undefined && !/\/mutate$/.test(v.url))
    throw usage(`--url ${JSON.stringify(v.url)} must end in /mutate`);
  const deployed = outputs[OUTPUT.validateMode];
  if (validate !== 'off' && deployed !== undefined && deployed !== validate) {
    throw usage(
      `--validate ${validate}, but the stack answers /validate in ${deployed} mode; redeploy with -c validateMode=${validate} or pass --validate ${deployed}`,
    );
  }
  if (mutateUrl.includes(TOKEN_PLACEHOLDER)) {
    const token = v.token ?? (await readToken(outputs, io.env));
    mutateUrl = mutateUrl.replace(TOKEN_PLACEHOLDER, token);
    validateUrl = validateUrl.replace(TOKEN_PLACEHOLDER, token);
  }
  return { mutateUrl, validateUrl, url: checkWebhookUrl(mutateUrl, 'mutate URL') };
}

/** The CA bundle's PEM: `--ca-file`, else the default for the URL (Amazon's roots for execute-api). */
async function caPemFor(v: Values, url: URL, io: CliIo): Promise<string | undefined> {
  if (v['ca-file'] === undefined) return defaultCaPem(url);
  const path = resolve(io.cwd, v['ca-file']);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw usage(`cannot read --ca-file ${path}: ${toError(error).message}`, error);
  }
}

/** `--timeout`, else the stack's, else the default; whole seconds. */
function timeoutSeconds(v: Values, outputs: StackOutputs): number {
  const timeout =
    v.timeout ?? outputs[OUTPUT.webhookTimeoutSeconds] ?? String(DEFAULTS.webhookTimeoutSeconds);
  if (!/^\d+$/.test(timeout)) throw usage(`--timeout must be whole seconds, got ${JSON.stringify(timeout)}`);
  return Number(timeout);
}

function excludedNamespaces(v: Values): readonly string[] {
  const list = v['exclude-namespaces'];
  if (list === undefined) return DEFAULT_EXCLUDED_NAMESPACES;
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Renders the configurations; the errors of the pieces it reads are the caller's to fix (exit 2). */
async function render(
  v: Values,
  validate: ValidateChoice,
  io: CliIo,
): Promise<{ yaml: string; caPem: string | undefined }> {
  const outputs: StackOutputs =
    v.outputs === undefined ? {} : await readStackOutputs(v.outputs, io.cwd, v.stack);
  const { mutateUrl, validateUrl, url } = await webhookUrls(v, outputs, validate, io);
  const caPem = await caPemFor(v, url, io);
  const yaml = renderWebhookConfigurations(
    {
      mutateUrl,
      validateUrl,
      caPem,
      failurePolicy: v['failure-policy'] as FailurePolicy,
      timeoutSeconds: timeoutSeconds(v, outputs),
      excludedNamespaces: excludedNamespaces(v),
      validate,
    },
    ' Generated by `npx docker-proxy-webhook manifests`. The URLs hold the path token: treat this file as a secret.',
  );
  return { yaml, caPem };
}

/** `docker-proxy-webhook manifests`: see {@link USAGE}. */
export const manifests: Command = async (argv, io) => {
  const args = parseCommandArgs('manifests', USAGE, OPTIONS, argv);
  const validate = checkOptions(args.values, args.positionals);
  let rendered: { yaml: string; caPem: string | undefined };
  try {
    rendered = await render(args.values, validate, io);
  } catch (error) {
    if (
      error instanceof WebhookConfigError ||
      error instanceof StackOutputsError ||
      error instanceof TokenError
    ) {
      throw usage(error.message, error);
    }
    throw error;
  }
  io.stdout.write(rendered.yaml);
  if (rendered.caPem === undefined) {
    io.stderr.write(
      'manifests: no caBundle: the apiserver will verify the endpoint with its system trust roots\n',
    );
  }
  return 0;
};

/** The path token from Secrets Manager (through SSM), with the standard credential chain. */
async function readToken(
  outputs: StackOutputs,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  if (env.DPW_PATH_TOKEN !== undefined && env.DPW_PATH_TOKEN !== '') return env.DPW_PATH_TOKEN;
  const name = outputs[OUTPUT.pathTokenSecretName];
  if (name === undefined)
    throw new TokenError('the URL holds {token}: pass --token TOKEN (or set DPW_PATH_TOKEN)');
  try {
    // The secret lives in the stack's region, which its ARN names: not necessarily the shell's default region.
    const region = /^arn:[^:]+:secretsmanager:([a-z0-9-]+):/.exec(
      outputs[OUTPUT.pathTokenSecretArn] ?? '',
    )?.[1];
    return await getParameterValue(createCliSsmClient(region), SECRETS_MANAGER_REFERENCE + name, {
      withDecryption: true,
    });
  } catch (error) {
    const { name: errorName, message } = toError(error);
    throw new TokenError(
      `cannot read the path token from secret ${name} (${errorName}: ${message}); pass --token TOKEN`,
      { cause: error },
    );
  }
}
