import type { Construct } from 'constructs';
import { dropUndefined, hcl } from './azapi-hcl.js';
import {
  type AzapiBody,
  type AzapiMetaArguments,
  AzapiResourceBase,
  type AzapiTimeouts,
  timeoutsToTerraform,
} from './azapi-resource.js';

export interface AzapiUpdateResourceConfig extends AzapiMetaArguments {
  /** `<resource type>@<api version>` of the resource being updated. */
  readonly type: string;
  /** Id of the existing resource to patch. */
  readonly resourceId: string;
  /** Properties to set (merged into the resource's current body). */
  readonly body: AzapiBody;
  /** Response fields to export into `output`. @default - the provider's default (the read-only fields) */
  readonly responseExportValues?: string[] | Record<string, string>;
  /** Ignore casing differences between `body` and the response. @default false */
  readonly ignoreCasing?: boolean;
  /** Ignore properties missing from the response. @default true */
  readonly ignoreMissingProperty?: boolean;
  /** Resource ids to lock on while updating. @default - none */
  readonly locks?: string[];
  readonly timeouts?: AzapiTimeouts;
}

/**
 * `azapi_update_resource`: patches properties of an existing resource. Deleting it changes nothing in Azure:
 * the properties stay as they were last set.
 */
export class AzapiUpdateResource extends AzapiResourceBase<AzapiUpdateResourceConfig> {
  static readonly tfResourceType = 'azapi_update_resource';

  constructor(scope: Construct, id: string, config: AzapiUpdateResourceConfig) {
    super(scope, id, 'azapi_update_resource', config);
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      type: c.type,
      resource_id: c.resourceId,
      body: c.body,
      response_export_values: c.responseExportValues,
      ignore_casing: c.ignoreCasing,
      ignore_missing_property: c.ignoreMissingProperty,
      locks: c.locks,
      timeouts: timeoutsToTerraform(c.timeouts),
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    const c = this.config;
    return dropUndefined({
      type: hcl.str(c.type),
      resource_id: hcl.str(c.resourceId),
      body: hcl.any(c.body),
      response_export_values: hcl.any(c.responseExportValues),
      ignore_casing: hcl.bool(c.ignoreCasing),
      ignore_missing_property: hcl.bool(c.ignoreMissingProperty),
      locks: hcl.strList(c.locks),
      timeouts: hcl.block(timeoutsToTerraform(c.timeouts)),
    });
  }
}
