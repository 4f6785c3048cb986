/** The resource group the constructs deploy into; an `azurerm_resource_group` (ResourceGroup) satisfies it. */
export interface ResourceGroupRef {
  readonly name: string;
  /** ARM id, `/subscriptions/<sub>/resourceGroups/<name>`; the parent of azapi top-level resources. */
  readonly id: string;
  readonly location: string;
}

/** Identity given to a resource: its own system-assigned one, or an existing user-assigned identity. */
export type ManagedIdentityChoice =
  | { readonly type: 'SystemAssigned' }
  | {
      readonly type: 'UserAssigned';
      /** ARM id of the `azurerm_user_assigned_identity`. */
      readonly identityId: string;
      /** Its principal (object) id, for role assignments. */
      readonly principalId: string;
    };
