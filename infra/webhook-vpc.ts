/**
 * Running the function in your VPC, so its proxy health checks (GET https://<proxy>/v2/) go where the nodes'
 * pulls go: a proxy on a private network is unreachable from a Lambda outside it, and every probe would fail.
 * A function in a VPC has no internet access of its own; it needs SSM (the mappings parameter, and the path token
 * read through SSM's Secrets Manager reference path — so no Secrets Manager endpoint) either through an SSM
 * interface endpoint this construct creates, or through a NAT gateway of your subnets (`vpcSsmEndpoint: false`).
 * Logs and metrics (EMF) leave through the Lambda service, not the VPC.
 */
import { aws_ec2 as ec2, Fn, aws_iam as iam, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { WebhookPropsError } from './errors.ts';
import type { FunctionPlacement } from './webhook-function.ts';

export interface WebhookVpcProps {
  /** The VPC (`vpc-…`) the subnets belong to. */
  readonly vpcId: string;
  /** Subnets to run the function in (`subnet-…`): private subnets with routes to your proxies. */
  readonly subnetIds: readonly string[];
  /** Security groups for the function (`sg-…`). @default - one created, allowing all outbound, no inbound */
  readonly securityGroupIds?: readonly string[];
  /**
   * Create an SSM interface endpoint (private DNS) in the subnets. `false` when the subnets reach SSM through a
   * NAT gateway, or the VPC already has an SSM endpoint with private DNS (a second one would conflict).
   * @default true
   */
  readonly ssmEndpoint?: boolean;
}

/** What the function is given: where it runs. */
export class WebhookVpc extends Construct implements FunctionPlacement {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly ssmEndpoint?: ec2.InterfaceVpcEndpoint;

  constructor(scope: Construct, id: string, props: WebhookVpcProps) {
    super(scope, id);
    if (props.subnetIds.length === 0) {
      throw new WebhookPropsError(
        `vpcId (${props.vpcId}) needs vpcSubnetIds: the subnets to run the function in`,
      );
    }
    // Imported by id, no lookup: the stack still synthesizes offline, with no account access. The subnets are
    // given explicitly, so the zones are never read; the attribute is required, hence a token that stays unused.
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: props.vpcId,
      availabilityZones: [Fn.select(0, Fn.getAzs())],
    });
    this.subnets = {
      subnets: props.subnetIds.map((subnetId, i) => ec2.Subnet.fromSubnetId(this, `Subnet${i}`, subnetId)),
    };
    this.securityGroups =
      props.securityGroupIds !== undefined && props.securityGroupIds.length > 0
        ? props.securityGroupIds.map((sg, i) => ec2.SecurityGroup.fromSecurityGroupId(this, `Group${i}`, sg))
        : [
            new ec2.SecurityGroup(this, 'FunctionGroup', {
              vpc: this.vpc,
              description: 'docker-proxy-webhook function: outbound HTTPS to proxies and SSM; no inbound',
              allowAllOutbound: true,
            }),
          ];
    if (props.ssmEndpoint ?? true) {
      this.ssmEndpoint = new ec2.InterfaceVpcEndpoint(this, 'SsmEndpoint', {
        vpc: this.vpc,
        service: ec2.InterfaceVpcEndpointAwsService.SSM,
        subnets: this.subnets,
        privateDnsEnabled: true,
        open: false,
      });
      for (const group of this.securityGroups) this.ssmEndpoint.connections.allowDefaultPortFrom(group);
    }
  }

  /** Lets the function's role manage its network interfaces (what AWSLambdaVPCAccessExecutionRole grants). */
  grantNetworkInterfaces(role: iam.Role): void {
    const statement = new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    });
    role.addToPolicy(statement);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Lambda creates the function’s network interfaces in the configured subnets; EC2 network-interface actions cannot be scoped to interfaces that do not exist yet (same actions as AWSLambdaVPCAccessExecutionRole, inline).',
    });
  }
}
