/**
 * The ECR pull-through cache in the webhook stack: the {@link EcrCache} construct from the `ecrCache*` options,
 * its generated mappings handed to the function, the synth-time check of the user's document against them,
 * and the outputs. Without `ecrCache` nothing here runs and the stack is unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, type aws_lambda as lambda, type Stack, Token } from 'aws-cdk-lib';
import { ENV } from '../lambda/config.ts';
import { combineMappings, GENERATED_SOURCE } from '../lambda/mappings/combine.ts';
import { ECR_CACHE_OUTPUT, ecrRegistryHost, generateEcrCacheDocument } from '../lambda/mappings/ecr-cache.ts';
import type { DeploymentOptions } from './context.ts';
import { EcrCache, EcrCacheError } from './ecr-cache.ts';

/** What the stack seeds the mappings parameter with when the cache is on and there is no `mappings.json`. */
export const EMPTY_MAPPINGS_FILE = 'infra/empty-mappings.json';

/** The user's mappings file when the cache is on: `mappings.json`, else an empty document (not the example). */
export function ecrCacheMappingsFile(root: string): string {
  return existsSync(join(root, 'mappings.json')) ? 'mappings.json' : EMPTY_MAPPINGS_FILE;
}

/**
 * The stand-in registry of the synth-time check when the stack has no concrete account and region (the usual,
 * environment-agnostic synth). Conflicts do not depend on the account; the function repeats the check with
 * the real registry at every load.
 */
const STAND_IN = { account: '000000000000', region: 'us-east-1' };

/** Fails the synth when the user's document and the cache's generated one cannot be combined. */
function checkUserDocument(stack: Stack, cache: EcrCache, file: string): void {
  const account = Token.isUnresolved(stack.account) ? STAND_IN.account : stack.account;
  const region = Token.isUnresolved(stack.region) ? STAND_IN.region : stack.region;
  const generated = generateEcrCacheDocument(ecrRegistryHost(account, region), cache.rules);
  const result = combineMappings(
    { source: `mappings file ${file}`, value: JSON.parse(readFileSync(file, 'utf8')) },
    { source: GENERATED_SOURCE, value: generated },
  );
  if (!result.ok) {
    throw new EcrCacheError(
      `mappings file ${file} conflicts with the ECR pull-through cache:\n${result.error.message}`,
    );
  }
}

/** Adds the cache when `ecrCache` names upstreams; returns it, or `undefined` (and adds nothing). */
export function addEcrCache(
  stack: Stack,
  o: DeploymentOptions,
  wiring: { readonly function: lambda.Function; readonly mappingsFile: string },
): EcrCache | undefined {
  if (o.ecrCache.length === 0) return undefined;
  const cache = new EcrCache(stack, 'EcrCache', {
    upstreams: o.ecrCache,
    prefixes: o.ecrCachePrefixes,
    upstreamUrls: o.ecrCacheUpstreamUrls,
    credentials: o.ecrCacheCredentials,
    expireDays: o.ecrCacheExpireDays,
    tagMutability: o.ecrCacheTagMutability,
    encryption: o.ecrCacheEncryption,
    pullAccounts: o.ecrCachePullAccounts,
    pullOrganization: o.ecrCachePullOrganization,
  });
  checkUserDocument(stack, cache, wiring.mappingsFile);
  const document = stack.toJsonString(cache.document);
  wiring.function.addEnvironment(ENV.generatedMappings, document);
  new CfnOutput(stack, ECR_CACHE_OUTPUT.nodePullPolicyArn, {
    value: cache.nodePullPolicy.managedPolicyArn,
    description:
      'Managed policy to attach to node roles (node groups, Karpenter, Fargate pod execution role)',
  });
  new CfnOutput(stack, ECR_CACHE_OUTPUT.registry, {
    value: cache.registry,
    description: 'The private registry holding the pull-through cache',
  });
  new CfnOutput(stack, ECR_CACHE_OUTPUT.mappings, {
    value: document,
    description:
      'The mappings generated for the cache rules (`docker-proxy-webhook mappings render` reads it)',
  });
  return cache;
}
