import { ArnFormat, aws_ecr as ecr, aws_iam as iam, Stack, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  CREDENTIAL_SECRET_PREFIX,
  type EcrCacheRule,
  ecrRegistryHost,
  ecrUpstream,
  type GeneratedDocument,
  generateEcrCacheDocument,
  resolveEcrCacheRules,
} from '../lambda/mappings/ecr-cache.ts';
import { crossAccountPull, nodeStatements, registryPolicy } from './ecr-cache-policies.ts';

/** Thrown at synth when the cache options do not fit together; the message lists every fault. */
export class EcrCacheError extends Error {
  override readonly name = 'EcrCacheError';
}

export interface EcrCacheProps {
  /** Upstream names (`docker-hub`, `k8s`, …), as `AWS::ECR::PullThroughCacheRule.UpstreamRegistry` spells them. */
  readonly upstreams: readonly string[];
  /** Repository prefix per upstream. @default each upstream's documented prefix */
  readonly prefixes?: Readonly<Record<string, string>>;
  /** Registry URL of the upstreams whose URL is the user's (Azure, ECR). @default none */
  readonly upstreamUrls?: Readonly<Record<string, string>>;
  /** Secret name (under `ecr-pullthroughcache/`) or ARN per upstream that needs credentials. @default none */
  readonly credentials?: Readonly<Record<string, string>>;
  /** Days a cached image may go unpulled before the lifecycle policy deletes it. @default 90 */
  readonly expireDays?: number;
  /** @default 'MUTABLE' (tags follow upstream; ECR refreshes a cached tag at most once a day) */
  readonly tagMutability?: 'MUTABLE' | 'IMMUTABLE';
  /** @default 'AES256' */
  readonly encryption?: 'AES256' | 'KMS';
  /** Other accounts whose nodes may pull through the cache. @default none */
  readonly pullAccounts?: readonly string[];
  /** An AWS Organization whose accounts may pull through the cache. @default none */
  readonly pullOrganization?: string;
}

/** The command that creates an upstream's secret, for the message of a missing one. */
const createSecretHint = (upstream: string): string =>
  `${upstream} needs credentials: create the secret (its name must start with ${CREDENTIAL_SECRET_PREFIX}) with\n` +
  `    aws secretsmanager create-secret --name ${CREDENTIAL_SECRET_PREFIX}${upstream} --secret-string '{"username":"<user>","accessToken":"<token>"}'\n` +
  `  then pass -c ecrCacheCredentials=${upstream}=${CREDENTIAL_SECRET_PREFIX}${upstream}`;

/** Every fault of the props, each saying which option to change; the resolved rules when there is none. */
export function checkEcrCacheProps(props: EcrCacheProps): EcrCacheRule[] {
  const resolved = resolveEcrCacheRules({
    upstreams: props.upstreams,
    prefixes: props.prefixes,
    urls: props.upstreamUrls,
  });
  const errors = resolved.ok ? [] : [...resolved.errors];
  const cached = new Set(props.upstreams);
  for (const name of cached) {
    if (ecrUpstream(name)?.auth === 'secret' && props.credentials?.[name] === undefined) {
      errors.push(createSecretHint(name));
    }
  }
  for (const name of Object.keys(props.credentials ?? {})) {
    const auth = ecrUpstream(name)?.auth;
    if (!cached.has(name))
      errors.push(`credentials are given for ${JSON.stringify(name)}, which is not cached`);
    else if (auth === 'none') errors.push(`${name} needs no credentials; remove it from ecrCacheCredentials`);
    else if (auth === 'role')
      errors.push(`${name} authenticates with a role the stack creates; remove it from ecrCacheCredentials`);
  }
  const days = props.expireDays ?? 90;
  if (!Number.isSafeInteger(days) || days < 1)
    errors.push(`expireDays ${days} is not a whole number of days`);
  if (errors.length > 0 || !resolved.ok) {
    throw new EcrCacheError(`ECR pull-through cache (ecrCache) options:\n- ${errors.join('\n- ')}`);
  }
  return resolved.rules;
}

/** The lifecycle policy of every cache repository: what no node pulled for `days` days goes. */
export function cacheLifecyclePolicy(days: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Expire cached images not pulled for ${days} days; the next pull fetches them again`,
        selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: days },
        action: { type: 'expire' },
      },
    ],
  });
}

/**
 * Amazon ECR pull-through cache for the chosen upstreams, and what makes it usable: one
 * `AWS::ECR::PullThroughCacheRule` per upstream (credentials by secret ARN only; a role for ECR to ECR), one
 * repository creation template per prefix (encryption, tag mutability, a lifecycle policy bounding the cache, and
 * the pull grant for other accounts), a managed policy for node roles, an optional registry policy for other
 * accounts, and the mappings document the rules imply ({@link document}).
 */
export class EcrCache extends Construct {
  readonly rules: readonly EcrCacheRule[];
  /** `<account>.dkr.ecr.<region>.<suffix>`, with deploy-time tokens. */
  readonly registry: string;
  /** The generated mappings (tokens resolved by CloudFormation at deploy). */
  readonly document: GeneratedDocument;
  /** Attach to node roles (EKS node groups, Karpenter, Fargate pod execution role). */
  readonly nodePullPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: EcrCacheProps) {
    super(scope, id);
    this.rules = checkEcrCacheProps(props);
    const stack = Stack.of(this);
    this.registry = ecrRegistryHost(stack.account, stack.region, stack.urlSuffix);
    this.document = generateEcrCacheDocument(this.registry, this.rules);
    const repositories = this.rules.map((rule) => this.repositoryArn(`${rule.prefix}/*`));
    const repositoryPolicy = crossAccountPull(props);

    for (const rule of this.rules) {
      const upstream = ecrUpstream(rule.upstream);
      const id = pascal(rule.upstream);
      new ecr.CfnPullThroughCacheRule(this, `${id}Rule`, {
        ecrRepositoryPrefix: rule.prefix,
        upstreamRegistry: rule.upstream,
        upstreamRegistryUrl: rule.url,
        credentialArn:
          upstream?.auth === 'secret' ? this.secretArn(props.credentials?.[rule.upstream] ?? '') : undefined,
        customRoleArn: upstream?.auth === 'role' ? this.upstreamEcrRole(rule).roleArn : undefined,
      });
      new ecr.CfnRepositoryCreationTemplate(this, `${id}Template`, {
        prefix: rule.prefix,
        appliedFor: ['PULL_THROUGH_CACHE'],
        description: `docker-proxy-webhook: repositories the ${rule.upstream} pull-through cache creates`,
        encryptionConfiguration: { encryptionType: props.encryption ?? 'AES256' },
        imageTagMutability: props.tagMutability ?? 'MUTABLE',
        lifecyclePolicy: cacheLifecyclePolicy(props.expireDays ?? 90),
        repositoryPolicy: repositoryPolicy === undefined ? undefined : stack.toJsonString(repositoryPolicy),
      });
    }

    this.nodePullPolicy = new iam.ManagedPolicy(this, 'NodePullPolicy', {
      description:
        'docker-proxy-webhook: pull images through the ECR pull-through cache (attach to node roles)',
      statements: nodeStatements(repositories),
    });
    acknowledgeWildcards(
      this.nodePullPolicy,
      'ecr:GetAuthorizationToken has no resource; the other actions cover only the repositories under the cache prefixes, which ECR creates on first pull under names nobody knows in advance.',
      this.rules.map((rule) => nagArn(`${rule.prefix}/*`)),
    );

    if (repositoryPolicy !== undefined) {
      new ecr.CfnRegistryPolicy(this, 'RegistryPolicy', { policyText: registryPolicy(props, repositories) });
    }
    if (props.pullOrganization !== undefined) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions::AwsSolutions-ECR1',
        reason: `The "*" principal of the organization grant is bounded by aws:PrincipalOrgID = ${props.pullOrganization}: only that organization's accounts may pull.`,
      });
    }
  }

  private repositoryArn(name: string): string {
    return Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: name });
  }

  /** A secret given by name becomes a partial ARN (no random suffix); an ARN is kept as given. */
  private secretArn(nameOrArn: string): string {
    if (nameOrArn.startsWith('arn:')) return nameOrArn;
    return Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: nameOrArn,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** ECR to ECR: the role ECR assumes to read the upstream registry and write the cache. */
  private upstreamEcrRole(rule: EcrCacheRule): iam.Role {
    const [upstreamAccount = '', , , upstreamRegion = ''] = rule.url.split('.');
    const stack = Stack.of(this);
    const upstreamRepositories = `arn:${stack.partition}:ecr:${upstreamRegion}:${upstreamAccount}:repository/*`;
    const copy = [
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchImportUpstreamImage',
      'ecr:GetImageCopyStatus',
    ];
    const role = new iam.Role(this, 'EcrUpstreamRole', {
      assumedBy: new iam.ServicePrincipal('pullthroughcache.ecr.amazonaws.com'),
      description: `docker-proxy-webhook: ECR pull-through cache reads ${rule.url} and writes ${rule.prefix}/`,
      inlinePolicies: {
        PullThroughCache: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
            new iam.PolicyStatement({ actions: copy, resources: [upstreamRepositories] }),
            new iam.PolicyStatement({
              actions: [
                ...copy,
                'ecr:InitiateLayerUpload',
                'ecr:UploadLayerPart',
                'ecr:CompleteLayerUpload',
                'ecr:PutImage',
              ],
              resources: [this.repositoryArn(`${rule.prefix}/*`)],
            }),
          ],
        }),
      },
    });
    acknowledgeWildcards(
      role,
      'ecr:GetAuthorizationToken has no resource; ECR reads any repository of the upstream registry the rule names (images are pulled by name) and writes only under the cache prefix.',
      [nagArn('*', upstreamRegion, upstreamAccount), nagArn(`${rule.prefix}/*`)],
    );
    return role;
  }
}

/** cdk-nag's spelling of a repository ARN in the template (`arn:<AWS::Partition>:ecr:<AWS::Region>:…`). */
const nagArn = (name: string, region = '<AWS::Region>', account = '<AWS::AccountId>'): string =>
  `arn:<AWS::Partition>:ecr:${region}:${account}:repository/${name}`;

/** Acknowledges AwsSolutions-IAM5 for exactly these wildcard resources, each finding by its own id. */
function acknowledgeWildcards(scope: Construct, reason: string, resources: string[]): void {
  for (const resource of ['*', ...resources]) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
      reason,
    });
  }
}

const pascal = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
