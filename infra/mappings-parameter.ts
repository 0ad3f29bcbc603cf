import { readFileSync } from 'node:fs';
import { aws_ssm as ssm } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DEFAULTS, SSM_PARAMETER_TIER, SSM_TIER_MAX_BYTES } from '../lambda/constants.ts';
// The pure parser only (zod, no AWS SDK): the stack validates with the very schema the function uses.
import { parseMappingsJson } from '../lambda/mappings/parse.ts';

/** Thrown at synth when the mappings file cannot seed the parameter. */
export class MappingsFileError extends Error {
  override readonly name = 'MappingsFileError';
}

export interface MappingsParameterProps {
  /** Path of the mappings document whose content seeds the parameter. */
  readonly file: string;
  /** Parameter name. @default '/docker-proxy-webhook/mappings' */
  readonly parameterName?: string;
}

/**
 * The SSM String parameter holding the mappings document. Its value is the file's content, validated at
 * synth with the very schema the Lambda uses (`lambda/mappings/parse.ts`): an invalid file fails
 * `cdk synth` with the JSON path of each fault. Stored compact, Intelligent-Tiering (as `mappings push` writes it).
 *
 * CloudFormation updates the parameter only when the file changed since the last deploy: operator edits
 * made in SSM survive a redeploy of an unchanged file, and are replaced when the file changes.
 */
export class MappingsParameter extends Construct {
  readonly parameter: ssm.StringParameter;
  /** The validated document's revision (12 hex), as `/healthz` will report it. */
  readonly revision: string;

  constructor(scope: Construct, id: string, props: MappingsParameterProps) {
    super(scope, id);
    let text: string;
    try {
      text = readFileSync(props.file, 'utf8');
    } catch (error) {
      throw new MappingsFileError(`mappings file ${props.file} cannot be read: ${(error as Error).message}`);
    }
    const parsed = parseMappingsJson(text);
    if (!parsed.ok) {
      throw new MappingsFileError(`mappings file ${props.file} is invalid:\n${parsed.error.message}`);
    }
    const value = JSON.stringify(JSON.parse(text));
    const bytes = Buffer.byteLength(value);
    if (bytes > SSM_TIER_MAX_BYTES.advanced) {
      throw new MappingsFileError(
        `mappings file ${props.file} is ${bytes} bytes compacted; an SSM parameter holds at most ${SSM_TIER_MAX_BYTES.advanced}`,
      );
    }
    this.revision = parsed.value.revision;
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: props.parameterName ?? DEFAULTS.mappingsParameterName,
      stringValue: value,
      // Standard while it fits, Advanced when a larger document is written, never a failed shrink.
      tier: SSM_PARAMETER_TIER as ssm.ParameterTier,
      description:
        'docker-proxy-webhook registry mappings (JSON). Edits take effect within MAPPINGS_TTL_SECONDS.',
    });
  }
}
