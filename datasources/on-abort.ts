/**
 * Being told when a request's signal aborts, once per waiting call, for the price of a set entry.
 *
 * Every attempt listens to its request's signal (the client gone ends the exchange), and so does
 * every call waiting in a service's line. On an AbortSignal each listener costs an EventTarget
 * registration and removal (option checks, a listener object, a linked list), which the profile of
 * the users list, fifty calls a request, showed (bench/JOURNAL.md). Here a signal gets one listener of its
 * own, the first time a call asks, and the calls share it through a set.
 */

type Callback = () => void;

const waiting = new WeakMap<AbortSignal, Set<Callback>>();

/**
 * Calls `callback` once when `signal` aborts (not when it already has: check `signal.aborted`
 * first). The function returned forgets it: call it when the wait is over.
 */
export function onAbort(signal: AbortSignal, callback: Callback): () => void {
  let callbacks = waiting.get(signal);
  if (callbacks === undefined) {
    const all = new Set<Callback>();
    callbacks = all;
    waiting.set(signal, all);
    signal.addEventListener(
      'abort',
      () => {
        for (const each of all) {
          try {
            each();
          } catch (error) {
            // As an EventTarget reports a listener's throw: uncaught, the other callbacks still called.
            process.nextTick(() => {
              throw error;
            });
          }
        }
        all.clear();
      },
      { once: true },
    );
  }
  const registered = callbacks;
  registered.add(callback);
  return () => {
    registered.delete(callback);
  };
}
