/**
 * The CDK app (`cdk.json` runs this file): reads the deployment options from context, creates the stack and
 * runs cdk-nag's AwsSolutions and Serverless packs at synth (findings fail the synth).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { readDeploymentOptions } from './context.ts';
import { WebhookStack } from './webhook-stack.ts';

/** Builds the app; tests pass context instead of `-c`. */
export function createApp(props: AppProps = {}): { app: App; stack: WebhookStack } {
  const app = new App(props);
  const options = readDeploymentOptions(
    (key) => app.node.tryGetContext(key),
    Object.keys(app.node.getAllContext()),
  );
  const stack = new WebhookStack(app, options.stackName, { options });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  createApp().app.synth();
}
