import { createRequire } from 'node:module';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Aspects, type CfnResource, type IAspect, Validations } from 'aws-cdk-lib/core';
import type * as cdkNag from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag, loaded on the first policy an acknowledger visits (at synth): importing it loads every rule of every
 * pack and most of aws-cdk-lib, a cost no program that merely imports this package should pay.
 */
let nagRules: typeof cdkNag.rules | undefined;
const loadRules = () => {
  nagRules ??= (createRequire(import.meta.url)('cdk-nag') as typeof cdkNag).rules;
  return nagRules;
};

/** Escapes text for use inside a RegExp. */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A wildcard a construct needs, and why. */
export interface WildcardAllowance {
  /** Matches the cdk-nag finding, e.g. `Resource::*` or `Resource::<ModelBucket.Arn>/models/*`. */
  readonly finding: RegExp;
  /** Why the wildcard cannot be narrowed (shown in cdk-nag reports). */
  readonly reason: string;
}

/**
 * Acknowledges, on the IAM policies under `scope`, the AwsSolutions-IAM5 findings that match an allowance. The
 * findings are computed from the final policy document at synth (after every grant), so an acknowledgement never
 * covers a wildcard it was not written for: an unexpected wildcard stays a finding.
 */
export function acknowledgeWildcards(scope: IConstruct, allowances: readonly WildcardAllowance[]): void {
  Aspects.of(scope).add(new WildcardAcknowledger(allowances));
}

class WildcardAcknowledger implements IAspect {
  constructor(private readonly allowances: readonly WildcardAllowance[]) {}

  visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy || node instanceof iam.CfnRole)) return;
    const result = loadRules().iam.IAMNoWildcardPermissions(node as CfnResource);
    if (!Array.isArray(result)) return;
    for (const finding of result as string[]) {
      const allowance = this.allowances.find((a) => a.finding.test(finding));
      if (allowance)
        Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: allowance.reason });
    }
  }
}

/** Acknowledges one cdk-nag rule on one construct (and its children) with a reason specific to it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
