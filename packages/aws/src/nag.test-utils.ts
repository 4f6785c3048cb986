import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Unacknowledged AwsSolutions findings under `scope`, as "rule @ path" lines (empty when clean). */
export function nagFindings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`),
  );
}

/** Flattens a CloudFormation value (Fn::Join, Ref, Fn::GetAtt, Fn::FindInMap) into readable text for assertions. */
export function flat(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(flat).join(',');
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(flat).join(sep);
    }
    if ('Ref' in o) return `<${String(o['Ref'])}>`;
    if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Fn::FindInMap' in o) return `<FindInMap:${(o['Fn::FindInMap'] as unknown[]).map(flat).join('.')}>`;
    return JSON.stringify(o);
  }
  return String(value);
}
