/**
 * The one base of the synth-time errors of @genai-deploy/aws, /gcp and /azure. It lives here because config is
 * the one package all three depend on; it names a construct by its path (a string), so it needs neither
 * aws-cdk-lib nor cdktf.
 */

/** The one convention of every construct error code: kebab-case, e.g. `unknown-instance-type`. */
export const CONSTRUCT_ERROR_CODE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Thrown at synth when construct props cannot deploy. Each cloud package throws its own subclass from the named
 * factories of its `errors.ts`; each message says what was received, what is expected and how to fix it.
 */
export class ConstructError extends Error {
  override readonly name: string = 'ConstructError';
  /** Marker for `isConstructError`: `instanceof` fails when an app holds two copies of this package. */
  readonly isConstructError = true;
  /** Stable identifier of the rule that failed, in kebab-case (`CONSTRUCT_ERROR_CODE`), e.g. `traffic-sum`. */
  readonly code: string;
  /** Path of the construct whose props failed, when known, e.g. `Stack/Platform/Llm`. */
  readonly constructPath: string | undefined;
  /**
   * The code as this package spelled it before codes shared one convention (`UnknownInstanceType` on AWS,
   * `TRAFFIC_SUM` on Azure); the same as `code` where it did not change.
   * @deprecated match on `code`; kept so that callers matching on the former spelling keep working.
   */
  readonly legacyCode: string;

  constructor(code: string, message: string, constructPath?: string, legacyCode?: string) {
    if (!CONSTRUCT_ERROR_CODE.test(code)) {
      // A programming error in a catalog, caught by the catalogs' tests, never by a user.
      throw new TypeError(
        `construct error code ${JSON.stringify(code)} is not kebab-case. Expected ${CONSTRUCT_ERROR_CODE.source}. ` +
          'Fix: spell the code like "unknown-instance-type".',
      );
    }
    super(message);
    this.code = code;
    this.constructPath = constructPath;
    this.legacyCode = legacyCode ?? code;
  }
}

/** Type guard for the errors of every construct package, which survives two copies of this package in one app. */
export const isConstructError = (e: unknown): e is ConstructError =>
  !!e && e instanceof Error && 'isConstructError' in e;
