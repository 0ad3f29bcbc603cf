import { join } from 'node:path';
import {
  Duration,
  type aws_ec2 as ec2,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  Stack,
  type aws_ssm as ssm,
} from 'aws-cdk-lib';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { ENV } from '../lambda/config.ts';
import { DEFAULTS, type ValidateMode } from '../lambda/constants.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambda/telemetry-names.ts';
import { BUNDLE_OPTIONS, ESM_REQUIRE_SHIM, HANDLER_ENTRY, HANDLER_EXPORT } from './bundling.ts';
import { WebhookPropsError } from './errors.ts';

/** The repository root (where package-lock.json is). */
export const PROJECT_ROOT = join(import.meta.dirname, '..');

export interface WebhookFunctionProps {
  /** The mappings parameter the function reads (and is granted `ssm:GetParameter` on, nothing wider). */
  readonly mappingsParameter: ssm.IStringParameter;
  /** Seconds before the mappings are re-read. @default 60 */
  readonly mappingsTtlSeconds?: number;
  /**
   * API Gateway serves only `/<token>/…` (the token is a literal path part), so the function routes on the
   * segment after it and never reads the secret. @default false
   */
  readonly pathTokenCheckedUpstream?: boolean;
  /** `/validate` mode. @default 'warn' */
  readonly validateMode?: ValidateMode;
  /** Deny instead of allowing unchanged when the webhook itself fails. @default false */
  readonly failClosed?: boolean;
  /** Memory in MB (128–10240). @default 512 */
  readonly memorySize?: number;
  /** Lambda timeout, from the failure budget (infra/budget.ts). @default 2 */
  readonly lambdaTimeoutSeconds?: number;
  /**
   * Reserved concurrent executions: the webhook keeps this many even when other functions use up the
   * account's concurrency, and cannot itself take more. `undefined` leaves it unreserved. @default 10
   */
  readonly reservedConcurrency?: number;
  /** X-Ray active tracing. @default false */
  readonly tracing?: boolean;
  /** Provisioned concurrency on the `live` alias; 0 = none. @default 0 */
  readonly provisionedConcurrency?: number;
  /** Log retention in days. @default 30 */
  readonly logRetentionDays?: number;
  /** Run in your VPC (`WebhookVpc`, webhook-vpc.ts). @default - outside any VPC */
  readonly placement?: FunctionPlacement;
}

/** Where the function runs in a VPC, and the permissions that needs. */
export interface FunctionPlacement {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  grantNetworkInterfaces(role: iam.Role): void;
}

/** NodejsFunction's bundling: the local esbuild with the options `npm run build` uses (no Docker). */
const BUNDLING = {
  format: OutputFormat.ESM,
  target: BUNDLE_OPTIONS.target,
  minify: BUNDLE_OPTIONS.minify,
  sourceMap: BUNDLE_OPTIONS.sourcemap,
  sourceMapMode: SourceMapMode.DEFAULT,
  mainFields: [...BUNDLE_OPTIONS.mainFields],
  banner: ESM_REQUIRE_SHIM,
  externalModules: [...BUNDLE_OPTIONS.external],
  forceDockerBundling: false,
};

export { WebhookPropsError } from './errors.ts';

/**
 * The webhook Lambda: NodejsFunction on the newest Node.js runtime, arm64, bundled by the local esbuild with
 * the options `npm run build` uses. Its own role (no managed policies) may write its own log group and read
 * the mappings parameter — nothing else (API Gateway checks the path token).
 */
export class WebhookFunction extends Construct {
  readonly function: NodejsFunction;
  /** What API Gateway invokes: the `live` alias when provisioned concurrency is on, else the function. */
  readonly target: lambda.IFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WebhookFunctionProps) {
    super(scope, id);
    const { timeoutSeconds, memorySize, provisioned } = checkProps(props);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: (props.logRetentionDays ?? 30) as logs.RetentionDays,
    });
    const role = createRole(this, this.logGroup, props.mappingsParameter.parameterArn);
    const environment = functionEnvironment(props);

    this.function = new NodejsFunction(this, 'Function', {
      description:
        'docker-proxy-webhook: Kubernetes admission webhook rewriting pod images to pull-through caches',
      entry: join(PROJECT_ROOT, HANDLER_ENTRY),
      handler: HANDLER_EXPORT,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: Duration.seconds(timeoutSeconds),
      role,
      logGroup: this.logGroup,
      environment,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: props.tracing === true ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      bundling: BUNDLING,
      ...(props.placement === undefined
        ? {}
        : {
            vpc: props.placement.vpc,
            vpcSubnets: props.placement.subnets,
            securityGroups: props.placement.securityGroups,
          }),
    });
    if (props.placement !== undefined) {
      props.placement.grantNetworkInterfaces(role);
      // In a VPC, CDK makes the function depend on the role and its policy (the ENI permissions must exist
      // first). The role is already a dependency through `Role: GetAtt` (cfn-lint W3005): keep only the policy.
      const policy = role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
      const cfnFunction = this.function.node.defaultChild as lambda.CfnFunction;
      cfnFunction.addOverride('DependsOn', [Stack.of(this).getLogicalId(policy)]);
    }

    this.target =
      provisioned > 0
        ? new lambda.Alias(this, 'Live', {
            aliasName: 'live',
            version: this.function.currentVersion,
            provisionedConcurrentExecutions: provisioned,
          })
        : this.function;
  }
}

/** The function's own role: write its logs, read its mappings; nothing else. */
function createRole(scope: Construct, logGroup: logs.LogGroup, mappingsParameterArn: string): iam.Role {
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'docker-proxy-webhook function: write its logs, read its mappings',
  });
  logGroup.grantWrite(role);
  // GetParameter on the one parameter: not grantRead(), which adds DescribeParameters and history.
  role.addToPolicy(
    new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [mappingsParameterArn] }),
  );
  return role;
}

/** Checks the props against each other; returns the values with their defaults. */
function checkProps(props: WebhookFunctionProps) {
  const timeoutSeconds = props.lambdaTimeoutSeconds ?? 2;
  const memorySize = props.memorySize ?? 512;
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
    throw new WebhookPropsError(`memorySize (${memorySize}) must be a whole number of MB from 128 to 10240`);
  }
  const provisioned = props.provisionedConcurrency ?? 0;
  if (props.reservedConcurrency !== undefined && provisioned > props.reservedConcurrency) {
    throw new WebhookPropsError(
      `provisionedConcurrency (${provisioned}) cannot exceed reservedConcurrency (${props.reservedConcurrency})`,
    );
  }
  return { timeoutSeconds, memorySize, provisioned };
}

/** The function's environment (names from lambda/config.ts, defaults from lambda/constants.ts). */
function functionEnvironment(props: WebhookFunctionProps): Record<string, string> {
  return {
    [ENV.mappingsParameter]: props.mappingsParameter.parameterName,
    [ENV.mappingsTtlSeconds]: String(props.mappingsTtlSeconds ?? DEFAULTS.mappingsTtlSeconds),
    [ENV.validateMode]: props.validateMode ?? DEFAULTS.validateMode,
    [ENV.failClosed]: String(props.failClosed ?? DEFAULTS.failClosed),
    ...(props.pathTokenCheckedUpstream === true ? { [ENV.pathTokenCheckedUpstream]: 'true' } : {}),
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    NODE_OPTIONS: '--enable-source-maps',
  };
}
