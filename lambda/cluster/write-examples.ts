/** `npm run manifests:examples`: regenerates the example configurations under `manifests/` from the renderer. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  defaultCaPem,
  mutatingWebhookConfiguration,
  renderYaml,
  validatingWebhookConfiguration,
} from './webhook-config.ts';

const MANIFESTS = new URL('../../manifests/', import.meta.url);
const EXAMPLE_URL = 'https://abcdef1234.execute-api.eu-west-1.amazonaws.com/webhook/PATH_TOKEN';
const caPem = defaultCaPem(new URL(EXAMPLE_URL));
const HEADER = (what: string) =>
  ` ${what} — an example with placeholder URL. Generate yours with\n   npx docker-proxy-webhook manifests --outputs cdk-outputs.json${what.startsWith('Validating') ? ' --validate warn' : ''} | kubectl apply -f -\n Field by field: see the comments below and README "Install in a cluster".`;

/** The example files, by name. */
export function exampleManifests(): Record<string, string> {
  return {
    'mutating-webhook.yaml': renderYaml(
      [mutatingWebhookConfiguration({ mutateUrl: `${EXAMPLE_URL}/mutate`, caPem })],
      HEADER('MutatingWebhookConfiguration'),
    ),
    'validating-webhook.yaml': renderYaml(
      [
        validatingWebhookConfiguration({
          mutateUrl: `${EXAMPLE_URL}/mutate`,
          validateUrl: `${EXAMPLE_URL}/validate`,
          caPem,
        }),
      ],
      HEADER('ValidatingWebhookConfiguration (optional; warns by default)'),
    ),
  };
}

export const MANIFESTS_DIR = fileURLToPath(MANIFESTS);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, text] of Object.entries(exampleManifests()))
    writeFileSync(new URL(name, MANIFESTS), text);
}
