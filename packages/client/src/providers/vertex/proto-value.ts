/**
 * Decodes a google.protobuf.Value as the REST transport hands it over (with `kind` and default fields set,
 * which the package's `helpers.fromValue` rejects as malformed) or as gRPC does.
 */
export function fromValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const value = v as {
    kind?: string;
    stringValue?: string;
    numberValue?: number;
    boolValue?: boolean;
    nullValue?: unknown;
    structValue?: { fields?: Record<string, unknown> };
    listValue?: { values?: unknown[] };
  };
  const kind =
    value.kind ??
    (['structValue', 'listValue', 'stringValue', 'numberValue', 'boolValue', 'nullValue'] as const).find(
      (k) => value[k] !== undefined && value[k] !== null,
    );
  switch (kind) {
    case 'stringValue':
      return value.stringValue;
    case 'numberValue':
      return value.numberValue;
    case 'boolValue':
      return value.boolValue;
    case 'structValue':
      return Object.fromEntries(
        Object.entries(value.structValue?.fields ?? {}).map(([k, f]) => [k, fromValue(f)]),
      );
    case 'listValue':
      return (value.listValue?.values ?? []).map(fromValue);
    default:
      return null;
  }
}
