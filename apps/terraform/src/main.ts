import { App, TerraformOutput, TerraformStack } from 'cdktf';

// Replaced by the gcp and azure stacks in their issues.
const app = new App();
const gcp = new TerraformStack(app, 'gcp');
new TerraformOutput(gcp, 'status', { value: 'placeholder' });
app.synth();
