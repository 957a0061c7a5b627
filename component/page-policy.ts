/**
 * What the page's Content-Security-Policy refused, and what the site must allow instead. A refusal
 * meets the element at every start, so it gets no Try again; a failure that is not one (a server
 * down, a download cut off) may pass, and does.
 *
 * @module
 */

import type { EngineConfig, NoBackendCause } from "./worker/protocol.ts";

/** How a refusal by the page's Content-Security-Policy starts, in the worker's messages and the page's. */
export const POLICY_REFUSED = "the page's Content-Security-Policy refused";

/** How a browser words a refusal by the page's policy: ours, Chrome's and Safari's, Firefox's. */
const POLICY_WORDS = /Content[- ]Security[- ]Policy|blocked by CSP/i;

/**
 * Whether the page's Content-Security-Policy refused what an error from the page's own browser is
 * about (the worker, its module, WebAssembly). Only for such errors: a server's words may name
 * anything.
 *
 * @param error The error, or its message.
 * @returns True when its message names the policy.
 * @example
 * ```ts
 * import { refusedByPolicy } from "./page-policy.ts";
 * refusedByPolicy(new Error("violates the following Content Security Policy directive")); // true
 * ```
 */
export function refusedByPolicy(error: unknown): boolean {
  return POLICY_WORDS.test(error instanceof Error ? error.message : String(error));
}

/**
 * Whether a model that could not start was refused by the page's policy on every backend that was
 * tried: then another start meets the same refusals. A backend passed over as not applicable (no
 * server attribute, no WebGPU in this browser) was not tried. A server's failure is never the
 * page's policy: a `connect-src` that refuses the server is a network error in every browser, and
 * what the server says (its error body) may name anything, the policy included. An error without
 * the list of failures (the manifest could not be loaded) is no refusal either.
 *
 * @param error What `init` rejected with: the registry's error, its `cause` the failures.
 * @returns True when every backend tried was refused by the policy.
 * @example
 * ```ts
 * import { everyBackendRefused } from "./page-policy.ts";
 * const failures = [{ backend: "wasm", message: "... Content Security Policy directive ..." }];
 * everyBackendRefused(new Error("No backend ...", { cause: { failures, skipped: [] } })); // true
 * ```
 */
export function everyBackendRefused(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (!isNoBackendCause(cause)) return false;
  const tried = cause.failures.filter((f) => !cause.skipped.includes(f.backend));
  return tried.length > 0 && tried.every((f) => f.backend !== "server" && refusedByPolicy(f.message));
}

function isNoBackendCause(cause: unknown): cause is NoBackendCause {
  const c = cause as Partial<NoBackendCause> | null;
  return typeof c === "object" && c !== null && Array.isArray(c.failures) && Array.isArray(c.skipped) &&
    c.failures.every((f) => typeof f?.backend === "string" && typeof f.message === "string");
}

/**
 * What the site must add to its page's Content-Security-Policy for the element (README's
 * Content-Security-Policy section), in words for a person who cannot change it: the origin that
 * serves the element's files, and the inference server's and the model manifest's where they are
 * others.
 *
 * @param workerUrl URL of the worker module: its origin serves the element's files.
 * @param config The element's config (its `server` and `model` URLs), or `null` before one was read.
 * @returns The sentences.
 * @example
 * ```ts
 * import { policyAdvice } from "./page-policy.ts";
 * policyAdvice("https://cdn.example/le/latent-evolver.worker.js", {
 *   server: "https://gpu.example/",
 *   model: "https://cdn.example/le/models/builtin/manifest.json",
 * });
 * // "... script-src https://cdn.example 'wasm-unsafe-eval'; worker-src blob:; connect-src https://cdn.example https://gpu.example."
 * ```
 */
export function policyAdvice(
  workerUrl: string,
  config: Pick<EngineConfig, "server" | "model"> | null,
): string {
  const origin = new URL(workerUrl, location.href).origin;
  // The element's files, then the server's and the model's origins where they are others.
  const fetched = new Set(
    [origin, config?.server, config?.model].filter((url): url is string => !!url)
      .map((url) => new URL(url, location.href).origin)
      .filter((o) => o !== "null"), // a data: URL has no origin to name
  );
  // A page with an opaque origin starts the worker from a data: URL (see worker-client.ts).
  const worker = globalThis.origin === "null" ? "data:" : "blob:";
  const connect = [...fetched].join(" ");
  return "The images cannot be made in this page: its Content-Security-Policy refuses what the element " +
    "needs, and trying again cannot change that. The site must allow " +
    `script-src ${origin} 'wasm-unsafe-eval'; worker-src ${worker}; connect-src ${connect}.`;
}
