/** The IAM documents of the ECR cache: what node roles get, and what other accounts are granted. */
import { aws_iam as iam } from 'aws-cdk-lib';

/** The accounts and organization that may share the cache (the `EcrCacheProps` fields). */
export interface OtherAccounts {
  readonly pullAccounts?: readonly string[];
  readonly pullOrganization?: string;
}

/** What node roles need: a registry token, then read and first-pull (import, create) under the cache prefixes. */
export function nodeStatements(repositories: string[]): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'RegistryToken',
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'PullThroughCache',
      actions: [
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchImportUpstreamImage',
        'ecr:CreateRepository',
      ],
      resources: repositories,
    }),
  ];
}

/** Principals of the other accounts, or of an organization (condition on `aws:PrincipalOrgID`). */
function otherAccounts(
  props: OtherAccounts,
): { principals: iam.IPrincipal[]; conditions?: Record<string, unknown> }[] {
  const grants: { principals: iam.IPrincipal[]; conditions?: Record<string, unknown> }[] = [];
  if ((props.pullAccounts ?? []).length > 0) {
    grants.push({ principals: (props.pullAccounts ?? []).map((a) => new iam.AccountPrincipal(a)) });
  }
  if (props.pullOrganization !== undefined) {
    grants.push({
      principals: [new iam.AnyPrincipal()],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': props.pullOrganization } },
    });
  }
  return grants;
}

/** The pull grant every cache repository is created with when other accounts share the cache. */
export function crossAccountPull(props: OtherAccounts): iam.PolicyDocument | undefined {
  const grants = otherAccounts(props);
  if (grants.length === 0) return undefined;
  return new iam.PolicyDocument({
    statements: grants.map(
      (g, i) =>
        new iam.PolicyStatement({
          sid: `CrossAccountPull${i}`,
          principals: g.principals,
          conditions: g.conditions,
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        }),
    ),
  });
}

/** The registry policy: other accounts may create cache repositories and import upstream images into them. */
export function registryPolicy(props: OtherAccounts, repositories: string[]): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: otherAccounts(props).map(
      (g, i) =>
        new iam.PolicyStatement({
          sid: `CrossAccountPullThroughCache${i}`,
          principals: g.principals,
          conditions: g.conditions,
          actions: ['ecr:CreateRepository', 'ecr:BatchImportUpstreamImage'],
          resources: repositories,
        }),
    ),
  });
}
