/** A Secret Manager secret, by id ("hf-token") or full name ("projects/p/secrets/hf-token"). */
export interface SecretRef {
  /** Secret id in the stack's project, or the full resource name for another project. */
  readonly secret: string;
  /**
   * Version to read.
   * @default 'latest'
   */
  readonly version?: string;
}

/** Splits a full secret name into project and id; an id alone keeps the provider's project. */
export function parseSecretName(secret: string): { project?: string; secretId: string } {
  const m = /^projects\/([^/]+)\/secrets\/([^/]+)$/.exec(secret);
  return m?.[1] && m[2] ? { project: m[1], secretId: m[2] } : { secretId: secret };
}
