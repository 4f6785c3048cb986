/**
 * HCL attribute descriptors for the hand-written azapi bindings (`synthesizeHclAttributes`), in the form the
 * generated cdktf bindings use.
 */
export const hcl = {
  str: (value: string | undefined) => ({ value, isBlock: false, type: 'simple', storageClassType: 'string' }),
  bool: (value: boolean | undefined) => ({
    value,
    isBlock: false,
    type: 'simple',
    storageClassType: 'boolean',
  }),
  any: (value: unknown) => ({ value, isBlock: false, type: 'any', storageClassType: 'json' }),
  strList: (value: string[] | undefined) => ({
    value,
    isBlock: false,
    type: 'list',
    storageClassType: 'stringList',
  }),
  strMap: (value: Record<string, string> | undefined) => ({
    value,
    isBlock: false,
    type: 'map',
    storageClassType: 'stringMap',
  }),
  block: (value: unknown) => ({ value, isBlock: true, type: 'struct', storageClassType: 'struct' }),
};

/** Drops HCL attribute descriptors whose value is undefined (as the generated bindings do). */
export function dropUndefined(
  attrs: Record<string, { readonly value: unknown; readonly [k: string]: unknown }>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attrs).filter(([, a]) => a.value !== undefined));
}
