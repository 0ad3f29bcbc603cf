/** Cold-start floor: a fresh process that loads the bundled SSM client and makes one GetParameter call. */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

const client = new SSMClient({});
const output = await client.send(new GetParameterCommand({ Name: process.env.MAPPINGS_PARAMETER }));
process.stderr.write(`\nCOLD ${performance.now()} ${output.Parameter?.Value?.length ?? 0}\n`);
