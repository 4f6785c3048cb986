import { TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import { dropUndefined, hcl } from './azapi-hcl.js';

/** Registry source of the azapi provider. */
export const AZAPI_PROVIDER_SOURCE = 'Azure/azapi';

/**
 * Version constraint written to `required_providers`. azapi 2.x takes `body` as an HCL object (1.x took a JSON
 * string), so the bindings need 2.x. The floor matters too: azapi validates `type` against the ARM schemas
 * embedded in each release, and a release older than an API version fails the plan with "the argument type's
 * api-version is invalid". 2.8 is a margin for the 2025-04-01 versions pinned here (published mid-2025).
 */
export const AZAPI_VERSION_CONSTRAINT = '~> 2.8';

export interface AzapiProviderConfig {
  /** Alias, for a second azapi provider in the same stack. @default - the default provider */
  readonly alias?: string;
  /**
   * Version constraint for `required_providers`. Keep it on 2.x: the resources here write `body` as an object.
   * @default AZAPI_VERSION_CONSTRAINT ('~> 2.8')
   */
  readonly versionConstraint?: string;
  /** Subscription to manage. @default - ARM_SUBSCRIPTION_ID or the Azure CLI's default subscription */
  readonly subscriptionId?: string;
  /** Tenant to authenticate against. @default - ARM_TENANT_ID or the Azure CLI's tenant */
  readonly tenantId?: string;
  /** Client id of a service principal or user-assigned identity. @default - ARM_CLIENT_ID */
  readonly clientId?: string;
  /** Allow Azure CLI authentication. @default - the provider's default (true) */
  readonly useCli?: boolean;
  /** Allow managed identity authentication. @default - the provider's default (false) */
  readonly useMsi?: boolean;
  /** Allow OpenID Connect (workload identity federation) authentication. @default - the provider's default (false) */
  readonly useOidc?: boolean;
  /** Cloud: `public`, `usgovernment` or `china`. @default 'public' */
  readonly environment?: 'public' | 'usgovernment' | 'china';
  /** Skip registering resource providers the first time they are used. @default false */
  readonly skipProviderRegistration?: boolean;
  /** Location of resources that set none. @default - none */
  readonly defaultLocation?: string;
  /** Tags merged into every azapi resource. @default - none */
  readonly defaultTags?: Record<string, string>;
}

/**
 * The azapi provider (`Azure/azapi`). Hand-written: there are no prebuilt cdktf bindings for azapi.
 *
 * Client secrets and OIDC tokens are deliberately not configurable here, because whatever is set on a provider
 * lands in the synthesized JSON; pass them as ARM_CLIENT_SECRET / ARM_OIDC_TOKEN environment variables.
 */
export class AzapiProvider extends TerraformProvider {
  static readonly tfResourceType = 'azapi';

  readonly config: AzapiProviderConfig;
  private _alias?: string;

  constructor(scope: Construct, id: string, config: AzapiProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'azapi',
      terraformGeneratorMetadata: {
        providerName: 'azapi',
        providerVersionConstraint: config.versionConstraint ?? AZAPI_VERSION_CONSTRAINT,
      },
      terraformProviderSource: AZAPI_PROVIDER_SOURCE,
    });
    this.config = config;
    this._alias = config.alias;
  }

  override get alias(): string | undefined {
    return this._alias;
  }

  override set alias(value: string | undefined) {
    this._alias = value;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      alias: this.alias,
      subscription_id: c.subscriptionId,
      tenant_id: c.tenantId,
      client_id: c.clientId,
      use_cli: c.useCli,
      use_msi: c.useMsi,
      use_oidc: c.useOidc,
      environment: c.environment,
      skip_provider_registration: c.skipProviderRegistration,
      default_location: c.defaultLocation,
      default_tags: c.defaultTags,
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    const c = this.config;
    return dropUndefined({
      alias: hcl.str(this.alias),
      subscription_id: hcl.str(c.subscriptionId),
      tenant_id: hcl.str(c.tenantId),
      client_id: hcl.str(c.clientId),
      use_cli: hcl.bool(c.useCli),
      use_msi: hcl.bool(c.useMsi),
      use_oidc: hcl.bool(c.useOidc),
      environment: hcl.str(c.environment),
      skip_provider_registration: hcl.bool(c.skipProviderRegistration),
      default_location: hcl.str(c.defaultLocation),
      default_tags: hcl.strMap(c.defaultTags),
    });
  }
}
