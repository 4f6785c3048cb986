import { App } from 'cdktf';
import { addAzureStack } from './azure-stack.js';
import { addGcpStack } from './gcp-stack.js';

const app = new App();
addGcpStack(app);
addAzureStack(app);
app.synth();
