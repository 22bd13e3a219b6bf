/**
 * What the services the graph is tested against did outside their OpenAPI documents
 * (contracts/), across every suite: the test fakes' exchanges and the in-process demo
 * services' (demo/contract-check.ts). test/support/no-bugs.ts fails a test that leaves any; a
 * test that breaks the contract on purpose takes its violations itself.
 */
const violations: string[] = [];

export function recordViolation(violation: string): void {
  violations.push(violation);
}

/** The violations so far, emptied. */
export function takeViolations(): string[] {
  return violations.splice(0);
}
