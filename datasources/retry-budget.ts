/**
 * A retry budget, as in Finagle and Envoy: every call to a service earns a fraction of a
 * retry and every retry spends a whole one. However sick the service, the retries it sees
 * stay near that fraction of the calls clients caused, instead of multiplying them (a dead
 * service with 2 retries per call would otherwise see three times the traffic).
 *
 * One budget per upstream, shared by the whole process.
 */
export class RetryBudget {
  private balance: number;

  /**
   * @param ratio retries earned per call, e.g. 0.2 for at most ~20 % extra calls
   * @param burst retries the budget holds when full; also its balance at start
   */
  constructor(
    private readonly ratio: number,
    private readonly burst: number,
  ) {
    this.balance = burst;
  }

  /** Counts a first attempt. */
  deposit(): void {
    this.balance = Math.min(this.burst, this.balance + this.ratio);
  }

  /** Takes one retry from the budget; false when there is none left. */
  withdraw(): boolean {
    if (this.balance < 1) return false;
    this.balance -= 1;
    return true;
  }
}
