/**
 * The process's log: pino JSON lines (one object per line, for a log pipeline), or
 * pino-pretty's readable lines when a person runs it in a terminal. It is also the logger
 * Yoga and every part of the graph write to, through Yoga's four-method interface:
 * `logger.warn('message', { fields })`.
 *
 * Nothing secret reaches it: fields named like credentials or e-mail addresses are redacted
 * wherever they appear, and the graph logs request ids and upstream routes, not headers.
 *
 * The redaction is a pino formatter (`redacted`), not pino's `redact` paths: to reach a field at
 * any depth those need wildcards (`*.token`), and under a wildcard path pino 10's redactor
 * (@pinojs/redact 0.4.0) runs every value of every line through each path, parsing the path again
 * each time, primitives included: most of what a line cost (bench/JOURNAL.md), for two levels of
 * depth. The formatter looks at each key once, eight levels deep, and
 * copies only what it censors.
 */
import type { YogaLogger } from 'graphql-yoga';
import { pino, stdSerializers, type DestinationStream, type Level } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The levels Yoga's logger interface has. */
type YogaLevel = Extract<Level, 'debug' | 'info' | 'warn' | 'error'>;

/** Keys whose values never reach the log, wherever they are. */
const SECRET_KEYS = new Set(['authorization', 'token', 'email']);
const CENSOR = '[redacted]';
/** How deep the redaction looks: eight levels (deeper, a value is logged as it is; the graph logs nothing that deep). */
const MAX_DEPTH = 8;

/**
 * `value` with the value of every key named in `SECRET_KEYS` replaced by `[redacted]`, in objects
 * and arrays down to `MAX_DEPTH`: `value` itself when there is none, else a copy of the objects on the
 * way to what was censored, as JSON would have them (the caller's objects are never changed).
 */
export function redacted<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const censored = redacted(item, depth + 1);
      if (censored !== item) (copy ??= value.slice())[i] = censored;
    }
    return (copy ?? value) as T;
  }
  // What serializes itself (a date, a buffer) is logged as it says. An error elsewhere than a
  // line's `err` is logged as JSON has it, its own fields: looked at as any object.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const fields = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in fields) {
    // A line's `err` goes through pino's serializer (below), and is looked at as it comes out of it.
    if (depth === 0 && key === 'err') continue;
    const field = fields[key];
    const censored = SECRET_KEYS.has(key) ? (field === undefined ? field : CENSOR) : redacted(field, depth + 1);
    if (censored !== field) (copy ??= { ...fields })[key] = censored;
  }
  return (copy ?? value) as T;
}

/**
 * Lines go out in writes of about this many bytes: a write system call for every line was most of
 * what a request's line cost under load (bench/JOURNAL.md, "Log lines in batches"), and
 * asynchronous writes alone batch only the lines logged while a write is in flight.
 */
const LINES_BUFFERED_BYTES = 4096;
/**
 * Lines wait at most this long for a batch to fill: a quiet server's lines still reach the log
 * within a moment. pino writes what is left when the process exits (a crash, `process.exit`, the
 * end of a shutdown); only a kill -9 loses what the batch held.
 */
const LINES_FLUSHED_AFTER_MS = 100;

let second: number | undefined;
/** `2026-12-03T02:10:11.`: the ISO date and time of `second`, to the dot. */
let secondPrefix = '';

/**
 * pino's `isoTime` (`,"time":"2026-12-03T02:10:11.123Z"`), with the date and time formatted once
 * a second and the milliseconds added: `toISOString` a line was a good part of a line's cost.
 */
export function isoTime(now = Date.now()): string {
  const ms = now % 1000;
  if (now - ms !== second) {
    second = now - ms;
    secondPrefix = new Date(second).toISOString().slice(0, 20);
  }
  return `,"time":"${secondPrefix}${String(ms).padStart(3, '0')}Z"`;
}

/** pino's `(fields, message)` behind Yoga's `(message, ...fields)`. An Error is logged whole as `err`. */
export function createGraphLogger(level: LogLevel, destination?: DestinationStream): YogaLogger {
  const target =
    destination ?? (process.stdout.isTTY ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : undefined);
  const log = pino(
    {
      level,
      base: undefined,
      timestamp: isoTime,
      // Levels by name (`"level":"warn"`), which log pipelines and people read without a table.
      formatters: { level: (label) => ({ level: label }), log: (fields) => redacted(fields) },
      // An error's own fields (a library's error may carry the request it failed on) are redacted as it is serialized.
      serializers: { err: (error: Error) => redacted(stdSerializers.err(error)) },
    },
    target ?? pino.destination({ fd: 1, sync: false, minLength: LINES_BUFFERED_BYTES, periodicFlush: LINES_FLUSHED_AFTER_MS }),
  );
  const method =
    (name: YogaLevel) =>
    (...args: unknown[]): void => {
      // Yoga tells its debug lines on every request: below the level, nothing is built for them.
      if (!log.isLevelEnabled(name)) return;
      const [first, ...rest] = args;
      if (first instanceof Error) return log[name]({ err: first }, first.message);
      const fields = rest.find((arg): arg is object => typeof arg === 'object' && arg !== null) ?? {};
      log[name](fields, typeof first === 'string' ? first : JSON.stringify(first));
    };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}
