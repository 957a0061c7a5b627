/**
 * HTTP for the server backend: one request under a timeout, its answer read apart from its headers
 * (an answer cut off is not taken for a server that cannot be reached), and the retries of an infer
 * that a busy or restarting server turned away: 503 (this project's server when its queue is full, while
 * it drains, or while too many bodies are being read, with `Retry-After`), 502 and 504 (a proxy or
 * gateway in front of it), and no answer at all (a connection reset in a rolling deploy). Each infer
 * renders one latent and changes nothing on the server, so sending it again is safe.
 *
 * @module
 */

import { abortError } from "../../core/pipeline.ts";
import type { ServerRetry, UnreachableCause } from "../worker/protocol.ts";

/** How the server backend waits, retries and gives up; defaults in {@link SERVER_CLIENT_DEFAULTS}. */
export interface ServerClientOptions {
  /** Most ms one request may take, its answer read included, before it fails as unanswered. */
  timeoutMs?: number;
  /** Further tries of an infer turned away with 502, 503 or 504, or given no answer (not of a 4xx). */
  retries?: number;
  /** Longest wait before a retry, in ms: a longer `Retry-After` is cut to it. */
  maxRetryWaitMs?: number;
  /** Wait before the first retry when the server gives no `Retry-After`, in ms; doubled at each retry. */
  backoffMs?: number;
  /** Waits `ms`, rejecting when `signal` aborts (tests pass a fake clock). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Waits, or stops waiting as soon as the signal aborts.
 *
 * @param ms How long.
 * @param signal Aborting it rejects the wait with its reason.
 * @returns A promise that resolves after `ms`.
 * @example
 * ```ts
 * import { sleep } from "./server-http.ts";
 * await sleep(10, new AbortController().signal);
 * ```
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The defaults. The timeout is generous: it only has to end a request that no server works on any
 * more. This project's server gives up on an infer after its `--timeout-ms` (60 s by default) and says
 * so with a 504; a Triton or KServe without a timeout, rendering SD-Turbo from a long queue on a busy
 * or CPU-only machine, may rightly take minutes, and a render failed too early is worse than a hung one
 * found out late (Cancel ends it at any time). Three retries 0.5, 1 and 2 s apart (or `Retry-After`
 * apart, up to 10 s) outlast a full queue's burst or an instance's restart behind a balancer.
 */
export const SERVER_CLIENT_DEFAULTS: Required<ServerClientOptions> = {
  timeoutMs: 300_000,
  retries: 3,
  maxRetryWaitMs: 10_000,
  backoffMs: 500,
  sleep,
};

/**
 * What a failed fetch may also mean. A browser hides a refused CORS preflight (sent first when a
 * request carries a token) as a network error: the server's reason cannot be read then.
 */
const UNREACHABLE = " (or it refuses this page's origin: see its --origins)";

/** Statuses a busy, restarting or proxied server answers that may pass on their own. */
const PASSING = new Set([502, 503, 504]);

/** A request that got no whole answer: no connection, or an answer cut off. Worth another try. */
class Unanswered extends Error {}

/** A server's answer: its response and its whole body, with the number of tries it took. */
export interface Answer {
  /** The response (its body already read). */
  response: Response;
  /** The body. */
  bytes: Uint8Array;
  /** Requests sent to get it. */
  tries: number;
}

/**
 * Sends one request under the timeout and reads its whole answer.
 *
 * @param url The URL.
 * @param init The request, without a signal.
 * @param who The server as messages name it ("The server https://gpu:8000").
 * @param options The timeout.
 * @param signal Aborts the request: it then rejects with an AbortError.
 * @returns The response and its body.
 * @throws Error naming the server when it cannot be reached (its cause an `UnreachableCause`), does
 *   not answer in time, or its answer is cut off.
 * @example
 * ```ts
 * import { fetchAnswer } from "./server-http.ts";
 * const { response, bytes } = await fetchAnswer("http://127.0.0.1:8000/v2", {}, "The server http://127.0.0.1:8000");
 * ```
 */
export async function fetchAnswer(
  url: string,
  init: RequestInit,
  who: string,
  options: Pick<ServerClientOptions, "timeoutMs"> = {},
  signal?: AbortSignal,
): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? SERVER_CLIENT_DEFAULTS.timeoutMs;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const fail = (error: unknown, what: string): Error => {
    if (signal?.aborted) return abortError();
    if (timeout.signal.aborted) {
      return new Error(`${who} did not answer within ${timeoutMs / 1000} s`, { cause: error });
    }
    return new Unanswered(`${who} ${what}: ${(error as Error)?.message ?? error}`, { cause: error });
  };
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
      });
    } catch (error) {
      const e = fail(error, "cannot be reached");
      if (!(e instanceof Unanswered)) throw e;
      // The server's origin goes in the cause, for the element to name it (plain-errors.ts).
      const origin = new URL(url, globalThis.location?.href).origin;
      const cause: UnreachableCause = { unreachable: origin, error };
      throw new Unanswered(e.message + UNREACHABLE, { cause });
    }
    try {
      return { response, bytes: new Uint8Array(await response.arrayBuffer()), tries: 1 };
    } catch (error) {
      throw fail(error, "sent an answer that was cut off");
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a `Retry-After` value: delay-seconds or an HTTP date.
 *
 * @param value The header's value, or null.
 * @param now The time now, in ms since the epoch (for a date).
 * @returns The wait in ms (0 for a date past), or undefined when absent or unreadable.
 * @example
 * ```ts
 * import { parseRetryAfter } from "./server-http.ts";
 * parseRetryAfter("2", Date.now()); // 2000
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("2015-10-21T07:27:30Z")); // 30000
 * ```
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  const text = value?.trim() ?? "";
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Sends a request, and again (up to `retries` more times) while the server turns it away with 502,
 * 503 or 504 or gives no whole answer: after its `Retry-After` (at most `maxRetryWaitMs`) or a backoff
 * doubling from `backoffMs`. Any other answer, a 4xx included, is returned at once.
 *
 * @param url The URL.
 * @param init The request, without a signal.
 * @param who The server as messages name it.
 * @param options Timeout, retries and waits.
 * @param signal Aborts the request or the wait: it then rejects with an AbortError.
 * @param onRetry Told before each wait for a retry, and with `null` once the request is done (an
 *   answer, a failure or a cancel) after one: the element says the server is not answering meanwhile.
 * @returns The last answer (a 5xx when the tries ran out), with the number of tries.
 * @throws Error naming the server and the tries when the last one got no whole answer, or when one
 *   timed out (not tried again: a server that did not answer in that long will not answer sooner).
 * @example
 * ```ts
 * import { fetchRetrying } from "./server-http.ts";
 * const answer = await fetchRetrying(url, { method: "POST", body }, "The server http://gpu:8000", {}, signal);
 * ```
 */
export async function fetchRetrying(
  url: string,
  init: RequestInit,
  who: string,
  options: ServerClientOptions,
  signal: AbortSignal,
  onRetry?: (retry: ServerRetry | null) => void,
): Promise<Answer> {
  const o = { ...SERVER_CLIENT_DEFAULTS, ...options };
  let retried = false;
  try {
    for (let tries = 1;; tries++) {
      let wait: number | undefined, busy = false;
      try {
        const answer = await fetchAnswer(url, init, who, o, signal);
        if (!PASSING.has(answer.response.status) || tries > o.retries) return { ...answer, tries };
        wait = parseRetryAfter(answer.response.headers.get("retry-after"), Date.now());
        busy = true;
      } catch (error) {
        if (!(error instanceof Unanswered)) throw error;
        if (tries > o.retries) {
          throw new Error(`${error.message}; tried ${tries} times`, { cause: error.cause });
        }
      }
      retried = true;
      onRetry?.({ retry: tries, retries: o.retries, busy });
      try {
        await o.sleep(Math.min(wait ?? o.backoffMs * 2 ** (tries - 1), o.maxRetryWaitMs), signal);
      } catch (error) {
        if (signal.aborted) throw abortError();
        throw error;
      }
    }
  } finally {
    if (retried) onRetry?.(null);
  }
}
