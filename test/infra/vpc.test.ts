import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';

/**
 * The VPC option: the function runs in your subnets so its proxy health checks reach proxies only your network
 * reaches, with an SSM interface endpoint (or your NAT) for the mappings and the path token. Synthesized offline
 * with cdk-nag (findings fail the synth), and the template checked by cfn-lint.
 */

const VPC = 'vpc-0123456789abcdef0';
const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];

function synth(context: Record<string, unknown>) {
  const { stack } = createApp({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(stack);
}

const inVpc = synth({ vpcId: VPC, vpcSubnetIds: SUBNETS.join(',') });

describe('vpcId + vpcSubnetIds', () => {
  it('runs the function in the subnets with a security group of its own (all outbound, no inbound)', () => {
    inVpc.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: SUBNETS, SecurityGroupIds: [{ 'Fn::GetAtt': [Match.anyValue(), 'GroupId'] }] },
    });
    inVpc.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: VPC,
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0' })],
      SecurityGroupIngress: Match.absent(),
    });
  });

  it('creates an SSM interface endpoint with private DNS, open only to the function on 443', () => {
    inVpc.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.ssm']] },
      PrivateDnsEnabled: true,
      SubnetIds: SUBNETS,
    });
    inVpc.resourceCountIs('AWS::EC2::VPCEndpoint', 1); // the token is read through SSM: no Secrets Manager endpoint
    inVpc.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.anyValue(), 'GroupId'] },
    });
  });

  it('lets the role manage the network interfaces inline (still no managed policy)', () => {
    inVpc.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']),
          }),
        ]),
      },
    });
    inVpc.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('uses your security groups, and no endpoint when the subnets reach SSM through a NAT gateway', () => {
    const template = synth({
      vpcId: VPC,
      vpcSubnetIds: SUBNETS,
      vpcSecurityGroupIds: 'sg-0123456789abcdef0',
      vpcSsmEndpoint: 'false',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: SUBNETS, SecurityGroupIds: ['sg-0123456789abcdef0'] },
    });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  });

  it('without vpcId the function stays outside any VPC', () => {
    const template = synth({});
    template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  it.each([
    [{ vpcId: VPC }, /vpcId \(vpc-0123456789abcdef0\) needs vpcSubnetIds/],
    [{ vpcSubnetIds: SUBNETS }, /vpcSubnetIds needs vpcId/],
    [{ vpcId: 'vpc-nope', vpcSubnetIds: SUBNETS }, /vpcId/],
    [{ vpcId: VPC, vpcSubnetIds: 'subnet-x' }, /vpcSubnetIds/],
  ])('rejects %j with a message naming the option', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });

  it('passes cfn-lint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpw-vpc-'));
    const file = join(dir, 'template.json');
    writeFileSync(file, JSON.stringify(inVpc.toJSON()));
    // Exit status 0: no errors or warnings (informational findings only).
    expect(() =>
      execFileSync('cfn-lint', ['--format', 'parseable', file], { encoding: 'utf8' }),
    ).not.toThrow();
  });
});
