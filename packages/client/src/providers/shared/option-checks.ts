import type { OptionFailure } from '../provider-definition.js';

/** An endpoint override (AWS and Vertex clients): a URL, or a bare host with an optional port. */
export function checkEndpointOverride(endpoint: string | undefined, fail: OptionFailure): void {
  if (endpoint !== undefined && !/^(?:https?:\/\/)?\S+$/.test(endpoint)) {
    fail('endpoint', endpoint, 'expected a URL such as http://127.0.0.1:4010');
  }
}
