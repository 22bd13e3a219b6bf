/**
 * A benchmark's child process as it starts: its output read line by line up to the line that says
 * it is ready, then drained and dropped, the pipe kept open as a log shipper keeps it (a full pipe
 * would stall the child). A `for await` over the stream itself destroys it at `break`: a graph's
 * next log line then meets a closed pipe (EPIPE), and pino stops writing for good at the first.
 *
 * The child never outlives the benchmark, however that ends (a failed start, a thrown error, SIGINT
 * or SIGTERM): it is killed when the benchmark's process exits. One that never says it is ready (a
 * graph with `LOG_LEVEL=warn` does not log its start line) is killed after `STARTUP_LIMIT_MS`.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

const STARTUP_LIMIT_MS = 60_000;

// Stopped by a signal, the benchmark exits (the default would skip the `exit` event, and leave its children running).
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)
  process.once(signal, () => process.exit(code));

/** The lines printed up to and including the first that `ready` accepts (the last), or all of them when the output ended first. */
export async function linesUntil(
  child: ChildProcessByStdio<null, Readable, null>,
  ready: (line: string) => boolean,
): Promise<{ readonly ready: boolean; readonly lines: string[] }> {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  const tooLong = setTimeout(kill, STARTUP_LIMIT_MS);
  try {
    const lines: string[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      lines.push(line);
      if (!ready(line)) continue;
      child.stdout.resume();
      return { ready: true, lines };
    }
    return { ready: false, lines };
  } finally {
    clearTimeout(tooLong);
  }
}
