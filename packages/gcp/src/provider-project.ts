import { DataGoogleClientConfig } from '@cdktf/provider-google/lib/data-google-client-config/index.js';
import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

const ID = 'GenAiGoogleClientConfig';

/**
 * The project to use when a construct was given none: the google provider's own project, read once per
 * stack through `google_client_config` (project-level IAM bindings need an explicit project).
 */
export function providerProject(scope: Construct, project?: string): string {
  if (project !== undefined) return project;
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(ID) as DataGoogleClientConfig | undefined;
  return (existing ?? new DataGoogleClientConfig(stack, ID)).project;
}
