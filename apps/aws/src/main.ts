import { App, Stack } from 'aws-cdk-lib';

// Replaced by the GenAiPlatform stack in the AWS constructs issue.
const app = new App();
new Stack(app, 'GenAiPlatform', { description: 'genai-deploy platform (placeholder until constructs land)' });
app.synth();
