import { createHash } from 'node:crypto';
import type { Construct } from 'constructs';

/**
 * A deterministic suffix for globally unique Azure names (storage accounts, key vaults, registries), derived from
 * the construct's address so that it is stable across synths and differs between stacks and constructs.
 */
export function uniqueSuffix(scope: Construct, length = 8): string {
  return createHash('sha256').update(scope.node.addr).digest('hex').slice(0, length);
}

/** Lowercase letters and digits only, cut to `max` characters (storage account and registry rules). */
export function alphanumericName(prefix: string, scope: Construct, max: number): string {
  const suffix = uniqueSuffix(scope);
  const head = prefix.toLowerCase().replace(/[^a-z0-9]/g, '');
  return `${head.slice(0, max - suffix.length)}${suffix}`;
}

/** Letters, digits and hyphens, starting with a letter, cut to `max` characters (Key Vault rules). */
export function hyphenatedName(prefix: string, scope: Construct, max: number): string {
  const suffix = uniqueSuffix(scope);
  let head = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '');
  head = head.slice(0, max - suffix.length - 1).replace(/-+$/, '');
  return head ? `${head}-${suffix}` : `x${suffix}`;
}
