import { type App, TerraformOutput, TerraformStack } from 'cdktf';

/** Stack `gcp`: replaced by the GcpGenAiPlatform pattern in the Google Cloud constructs issue. */
export function addGcpStack(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'gcp');
  new TerraformOutput(stack, 'status', { value: 'placeholder' });
  return stack;
}
