/**
 * The five upstream services, by the names the contract gives them. They are the values of
 * every upstream error's `extensions.service`, which is why they live with the taxonomy: the
 * lowest layer, which every other can name them from.
 */
export const SERVICE_NAMES = ['personal', 'professional', 'orders', 'inventory', 'notifications'] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];
