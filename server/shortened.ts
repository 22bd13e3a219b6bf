/** A value from a client or a published document, as a log line or a message may hold it. */

/** `value` on one line, at most `max` characters, saying when it was cut. */
export function shortened(value: string, max = 120): string {
  const oneLine = value.replace(/[\r\n]+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max)}… (cut short)` : oneLine;
}
