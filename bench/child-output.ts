/**
 * A benchmark's child process as it starts: its output read line by line up to the line that says
 * it is ready, then drained and dropped, the pipe kept open as a log shipper keeps it (a full pipe
 * would stall the child). A `for await` over the stream itself destroys it at `break`: a graph's
 * next log line then meets a closed pipe (EPIPE), and pino stops writing for good at the first.
 */
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

/** The lines printed up to and including the first that `ready` accepts (the last), or all of them when the output ended first. */
export async function linesUntil(
  output: Readable,
  ready: (line: string) => boolean,
): Promise<{ readonly ready: boolean; readonly lines: string[] }> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: output })) {
    lines.push(line);
    if (!ready(line)) continue;
    output.resume();
    return { ready: true, lines };
  }
  return { ready: false, lines };
}
