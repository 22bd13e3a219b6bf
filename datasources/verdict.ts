/**
 * What an attempt's end says of its service: the one word a call's policy learns from. `ok`; a
 * `fault` of the service's (a time-out, a refused or reset connection, a 5xx or 429, garbage); or
 * `neither` (the graph's own failure: its deadline, the client gone, a refusal before the call;
 * nothing to learn). The circuit counts faults; the concurrency limit learns from the latency of
 * `ok` and backs off on a fault. What exactly failed (`UpstreamFailure`) is the observers' and the
 * call list's `outcome`, for people; the verdict is for the policy.
 */
export type Verdict = 'ok' | 'fault' | 'neither';
