import { Match } from 'aws-cdk-lib/assertions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveBudget } from '../../infra/budget.ts';
import { DEFAULTS, FAILURE_BUDGET, OUTPUT } from '../../lambda/constants.ts';
import { propertiesOf, synth } from './synth.ts';

describe('one failure budget', () => {
  it('by default a pod creation waits at most 3 s: Lambda 2 s, API Gateway 2.5 s, mappings wait 1 s', () => {
    const { template } = synth();
    expect(template.findOutputs(OUTPUT.webhookTimeoutSeconds)[OUTPUT.webhookTimeoutSeconds]?.Value).toBe('3');
    expect(propertiesOf(template, 'AWS::Lambda::Function')[0]?.Timeout).toBe(2);
    template.allResourcesProperties('AWS::ApiGateway::Method', {
      Integration: Match.objectLike({ TimeoutInMillis: 2500, Type: 'AWS_PROXY' }),
    });
    expect(DEFAULTS.webhookTimeoutSeconds).toBe(3);
    expect(DEFAULTS.mappingsLoadTimeoutMs).toBe(FAILURE_BUDGET.mappingsWaitMs);
  });

  it('for every webhook timeout, each layer gives up before the one in front of it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 30 }), (webhookTimeoutSeconds) => {
        const b = deriveBudget(webhookTimeoutSeconds);
        expect(b.mappingsWaitMs + FAILURE_BUDGET.reviewReserveMs).toBeLessThanOrEqual(
          b.lambdaTimeoutSeconds * 1000,
        );
        expect(b.lambdaTimeoutSeconds * 1000).toBeLessThanOrEqual(b.integrationTimeoutMs);
        expect(b.integrationTimeoutMs).toBeLessThan(webhookTimeoutSeconds * 1000);
        expect(b.integrationTimeoutMs).toBeLessThanOrEqual(29_000);
      }),
    );
  });
});
