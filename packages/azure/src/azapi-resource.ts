import { type IResolvable, TerraformResource, type TerraformResourceConfig, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { dropUndefined, hcl } from './azapi-hcl.js';
import { errors } from './errors.js';

/** A request body: any JSON-compatible object (values may be cdktf tokens). */
export type AzapiBody = Record<string, unknown>;

export interface AzapiTimeouts {
  /** Go duration such as "60m". @default - the provider's default (30m) */
  readonly create?: string;
  readonly read?: string;
  readonly update?: string;
  readonly delete?: string;
}

export interface AzapiIdentity {
  /** `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned` or `None`. */
  readonly type: 'SystemAssigned' | 'UserAssigned' | 'SystemAssigned, UserAssigned' | 'None';
  /** User-assigned identity resource ids (for the UserAssigned types). @default - none */
  readonly identityIds?: string[];
}

/** Terraform meta-arguments shared by the azapi resources. */
export type AzapiMetaArguments = Omit<
  TerraformResourceConfig,
  'terraformResourceType' | 'terraformGeneratorMetadata'
>;

export interface AzapiResourceConfig extends AzapiMetaArguments {
  /** `<resource type>@<api version>`, e.g. `Microsoft.MachineLearningServices/workspaces@2025-04-01`. */
  readonly type: string;
  /** Resource name. Changing it replaces the resource. */
  readonly name: string;
  /** Id of the parent: a resource group for top-level resources, the parent resource for child resources. */
  readonly parentId: string;
  /** Location, for tracked resources. @default - none (child proxy resources have no location) */
  readonly location?: string;
  /** Managed identity of the resource. @default - none */
  readonly identity?: AzapiIdentity;
  /**
   * Request body as an object (azapi 2.x); the provider validates it against the ARM schema of `type`, so
   * unknown fields fail the plan. @default {}
   */
  readonly body?: AzapiBody;
  /**
   * Response fields to export into `output`: a list of paths (`["properties.scoringUri"]`) or a map of
   * name to JMESPath query. @default - the provider's default (the read-only fields)
   */
  readonly responseExportValues?: string[] | Record<string, string>;
  /** Validate `type` and `body` against azapi's embedded schemas at plan time. @default true */
  readonly schemaValidationEnabled?: boolean;
  /** Ignore casing differences between `body` and the response. @default false */
  readonly ignoreCasing?: boolean;
  /** Ignore properties missing from the response (write-only ones, such as credentials). @default true */
  readonly ignoreMissingProperty?: boolean;
  /** Resource ids to lock on, so that resources sharing a parent are not changed at the same time. @default - none */
  readonly locks?: string[];
  /** Tags. @default - none */
  readonly tags?: Record<string, string>;
  readonly timeouts?: AzapiTimeouts;
}

const TYPE_PATTERN = /^[A-Za-z][\w.]*\/[A-Za-z][\w/]*@\d{4}-\d{2}-\d{2}(-preview)?$/;

/** Throws unless `type` is `<resource type>@<api version>` (tokens are left alone). */
export function validateAzapiType(path: string, type: string): void {
  if (Token.isUnresolved(type)) return;
  if (!TYPE_PATTERN.test(type)) throw errors.invalidAzapiType(path, type);
}

/** Throws on a string body: that is the azapi 1.x form, which 2.x rejects. */
export function validateAzapiBody(path: string, body: unknown): void {
  if (typeof body === 'string' && !Token.isUnresolved(body)) throw errors.azapiBodyIsString(path);
}

export function timeoutsToTerraform(
  t: AzapiTimeouts | undefined,
): Record<string, string | undefined> | undefined {
  return t && { create: t.create, read: t.read, update: t.update, delete: t.delete };
}

/**
 * What `azapi_resource` and `azapi_update_resource` share: the Terraform meta-arguments, the `type` and `body`
 * checks, and the id and exported response.
 */
export abstract class AzapiResourceBase<
  C extends AzapiMetaArguments & { readonly type: string; readonly body?: AzapiBody },
> extends TerraformResource {
  readonly config: C;

  protected constructor(scope: Construct, id: string, terraformResourceType: string, config: C) {
    super(scope, id, {
      terraformResourceType,
      terraformGeneratorMetadata: { providerName: 'azapi' },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach,
    });
    validateAzapiType(this.node.path, config.type);
    validateAzapiBody(this.node.path, config.body);
    this.config = config;
  }

  /** The resource's ARM id. */
  get id(): string {
    return this.getStringAttribute('id');
  }

  /** The exported response (`output`), as a whole. */
  get output(): IResolvable {
    return this.interpolationForAttribute('output');
  }

  /**
   * One exported response field as a string token, e.g. `outputString('properties.scoringUri')`. The path must be
   * listed in (or covered by) `responseExportValues`.
   */
  outputString(path: string): string {
    return Token.asString(this.interpolationForAttribute(`output.${path}`));
  }
}

/**
 * `azapi_resource`: any Azure Resource Manager resource, at a pinned API version. Hand-written binding; the
 * attribute names follow the azapi 2.x schema.
 */
export class AzapiResource extends AzapiResourceBase<AzapiResourceConfig> {
  static readonly tfResourceType = 'azapi_resource';

  constructor(scope: Construct, id: string, config: AzapiResourceConfig) {
    super(scope, id, 'azapi_resource', config);
  }

  /** The resource's name. */
  get name(): string {
    return this.getStringAttribute('name');
  }

  /** Principal id of the system-assigned identity (needs `identity.type` with SystemAssigned). */
  get identityPrincipalId(): string {
    return this.getStringAttribute('identity[0].principal_id');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      type: c.type,
      name: c.name,
      parent_id: c.parentId,
      location: c.location,
      identity: c.identity && [{ type: c.identity.type, identity_ids: c.identity.identityIds }],
      body: c.body,
      response_export_values: c.responseExportValues,
      schema_validation_enabled: c.schemaValidationEnabled,
      ignore_casing: c.ignoreCasing,
      ignore_missing_property: c.ignoreMissingProperty,
      locks: c.locks,
      tags: c.tags,
      timeouts: timeoutsToTerraform(c.timeouts),
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    const c = this.config;
    return dropUndefined({
      type: hcl.str(c.type),
      name: hcl.str(c.name),
      parent_id: hcl.str(c.parentId),
      location: hcl.str(c.location),
      identity: {
        value: c.identity && [{ type: c.identity.type, identity_ids: c.identity.identityIds }],
        isBlock: true,
        type: 'list',
        storageClassType: 'AzapiIdentityList',
      },
      body: hcl.any(c.body),
      response_export_values: hcl.any(c.responseExportValues),
      schema_validation_enabled: hcl.bool(c.schemaValidationEnabled),
      ignore_casing: hcl.bool(c.ignoreCasing),
      ignore_missing_property: hcl.bool(c.ignoreMissingProperty),
      locks: hcl.strList(c.locks),
      tags: hcl.strMap(c.tags),
      timeouts: hcl.block(timeoutsToTerraform(c.timeouts)),
    });
  }
}
