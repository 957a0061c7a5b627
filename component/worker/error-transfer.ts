/**
 * Errors that cross between the worker and the element keep their `cause`. Comlink sends a thrown
 * error's message, name and stack only; the registry's "No backend can run the model" error lists
 * each backend's failure in its cause, and the element decides from that list whether the page's
 * Content-Security-Policy refused them all (page-policy.ts `everyBackendRefused`). Both sides
 * register the same handler: the worker to send the cause, the element to read it.
 *
 * @module
 */

import * as Comlink from "comlink";

/** A thrown value as it crosses: an error's fields, or any other value as it is. */
type Thrown =
  | { isError: true; value: { message: string; name: string; stack?: string; cause?: unknown } }
  | { isError: false; value: unknown };

/** The error's cause if it can cross as it is (plain data, an error), else nothing. */
function crossingCause(error: Error): { cause?: unknown } {
  if (error.cause === undefined) return {};
  try {
    return { cause: structuredClone(error.cause) };
  } catch {
    return {}; // a function, a class instance: the message says what failed all the same
  }
}

/** Comlink's own test of what is a thrown value (it marks them with a symbol it keeps to itself). */
const isThrown = Comlink.transferHandlers.get("throw")!.canHandle;

/** Comlink's handler of thrown values, but that it sends an error's cause too. */
const withCause: Comlink.TransferHandler<{ value: unknown }, Thrown> = {
  canHandle: (value): value is { value: unknown } => isThrown(value),
  serialize({ value }) {
    if (!(value instanceof Error)) return [{ isError: false, value }, []];
    const { message, name, stack } = value;
    return [{ isError: true, value: { message, name, stack, ...crossingCause(value) } }, []];
  },
  deserialize(thrown) {
    if (!thrown.isError) throw thrown.value;
    const { message, ...rest } = thrown.value;
    throw Object.assign(new Error(message), rest);
  },
};

/**
 * Replaces Comlink's handler of thrown values with one that also sends an error's `cause`, under
 * the same name, so that either side reads what the other sends. Calling it again changes nothing.
 *
 * @example
 * ```ts
 * import { keepErrorCauses } from "./error-transfer.ts";
 * keepErrorCauses(); // before Comlink.expose or Comlink.wrap
 * ```
 */
export function keepErrorCauses(): void {
  Comlink.transferHandlers.set("throw", withCause as Comlink.TransferHandler<unknown, unknown>);
}
