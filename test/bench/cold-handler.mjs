// Cold start: a fresh process imports the Lambda artifact and answers its first review (mappings from SSM).
const { handler } = await import(process.env.ARTIFACT);
const result = await handler(JSON.parse(process.env.EVENT), {
  awsRequestId: 'cold',
  functionName: 'bench',
  getRemainingTimeInMillis: () => 5000,
});
const ok = result.statusCode === 200 && JSON.parse(result.body).response.patchType === 'JSONPatch';
process.stderr.write(
  `\nCOLD ${performance.now()} ${ok ? 'ok' : `bad ${result.statusCode} ${result.body}`}\n`,
);
