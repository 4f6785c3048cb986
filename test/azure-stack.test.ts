import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { addAzureStack } from '../apps/terraform/src/azure-stack.js';

function synthAzure() {
  const app = Testing.app();
  const stack = addAzureStack(app);
  return Testing.synth(stack);
}

describe('stack azure', () => {
  it('synthesizes the same Terraform every time', () => {
    const first = synthAzure();
    expect(synthAzure()).toBe(first);
    expect(JSON.parse(first)).toMatchSnapshot();
  });
});
