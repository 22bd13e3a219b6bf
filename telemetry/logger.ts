/**
 * The process's log: pino JSON lines (one object per line, for a log pipeline), or
 * pino-pretty's readable lines when a person runs it in a terminal. It is also the logger
 * Yoga and every part of the graph write to, through Yoga's four-method interface:
 * `logger.warn('message', { fields })`.
 *
 * Nothing secret reaches it: fields named like credentials or e-mail addresses are redacted
 * wherever they appear, and the graph logs request ids and upstream routes, not headers.
 */
import type { YogaLogger } from 'graphql-yoga';
import { pino, stdTimeFunctions, type DestinationStream, type Level } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The levels Yoga's logger interface has. */
type YogaLevel = Extract<Level, 'debug' | 'info' | 'warn' | 'error'>;

const REDACT = ['authorization', '*.authorization', 'headers.authorization', 'token', '*.token', 'email', '*.email'];

/** pino's `(fields, message)` behind Yoga's `(message, ...fields)`. An Error is logged whole as `err`. */
export function createGraphLogger(level: LogLevel, destination?: DestinationStream): YogaLogger {
  const target =
    destination ?? (process.stdout.isTTY ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : undefined);
  const log = pino(
    {
      level,
      base: undefined,
      timestamp: stdTimeFunctions.isoTime,
      // Levels by name (`"level":"warn"`), which log pipelines and people read without a table.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    // Asynchronous: a line a request is not a write system call a request (2 % of the CPU at
    // saturation); lines written meanwhile go out together. pino flushes it on exit.
    target ?? pino.destination({ fd: 1, sync: false }),
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
