import { badUserInput } from '../errors/graph-errors.js';

/** Upstream page size bounds, which are also the graph's bounds for `first`. */
export const MAX_PAGE_SIZE = 100;

export function isValidPageSize(first: number): boolean {
  return Number.isInteger(first) && first >= 1 && first <= MAX_PAGE_SIZE;
}

export function assertValidPageSize(first: number): void {
  if (!isValidPageSize(first)) throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
}
