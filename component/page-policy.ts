/**
 * What the page's Content-Security-Policy refused, and what the site must allow instead. A refusal
 * meets the element at every start, so it gets no Try again; a failure that is not one (a server
 * down, a download cut off) may pass, and does, with what to allow for the backends the policy
 * refused beside it.
 *
 * @module
 */

import type { BackendName, EngineConfig, FailedBackend, NoBackendCause } from "./worker/protocol.ts";

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
  const tried = triedFailures(error);
  return !!tried?.length && refusedBackends(error).length === tried.length;
}

/**
 * The backends the page's Content-Security-Policy refused, of those a model that could not start
 * tried (see {@link everyBackendRefused} for which count): in `auto`, with a server that could not
 * be reached beside them, the start may pass, but those backends never run in this page.
 *
 * @param error What `init` rejected with: the registry's error, its `cause` the failures.
 * @returns Their names, in the order tried; none for an error without the list of failures.
 * @example
 * ```ts
 * import { refusedBackends } from "./page-policy.ts";
 * const failures = [
 *   { backend: "server", message: "the server http://gpu:8000/ cannot be reached: Failed to fetch" },
 *   { backend: "wasm", message: "... Content Security Policy directive ..." },
 * ];
 * refusedBackends(new Error("No backend ...", { cause: { failures, skipped: [] } })); // ["wasm"]
 * ```
 */
export function refusedBackends(error: unknown): BackendName[] {
  return (triedFailures(error) ?? []).filter((f) => f.backend !== "server" && refusedByPolicy(f.message))
    .map((f) => f.backend);
}

/**
 * The failures of the backends a model that could not start tried, those passed over as not
 * applicable left out.
 *
 * @param error What `init` rejected with: the registry's error, its `cause` the failures.
 * @returns The failures, or `null` for an error without the list of failures (no start's).
 * @example
 * ```ts
 * import { triedFailures } from "./page-policy.ts";
 * const failures = [{ backend: "webgpu", message: "this browser has no WebGPU" }];
 * triedFailures(new Error("No backend ...", { cause: { failures, skipped: ["webgpu"] } })); // []
 * ```
 */
export function triedFailures(error: unknown): FailedBackend[] | null {
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (!isNoBackendCause(cause)) return null;
  return cause.failures.filter((f) => !cause.skipped.includes(f.backend));
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
  // Opens as a start where no backend applies does (worker-controller.ts): "cannot be made here".
  return "The images cannot be made here: this page's Content-Security-Policy refuses what the element " +
    `needs, and trying again cannot change that. The site must allow ${allowed(workerUrl, config)}.`;
}

/**
 * What the site must add to its page's Content-Security-Policy for backends it refused while the
 * start failed on another's account (a server down): shown beside that failure, which may pass, since
 * those backends never run in this page until the policy changes.
 *
 * @param backends The backends the policy refused ({@link refusedBackends}).
 * @param workerUrl URL of the worker module: its origin serves the element's files.
 * @param config The element's config, or `null` before one was read.
 * @returns The sentence.
 * @example
 * ```ts
 * import { backendsAdvice } from "./page-policy.ts";
 * backendsAdvice(["wasm"], "https://cdn.example/le/latent-evolver.worker.js", null);
 * // "This page's Content-Security-Policy also refused the wasm backend, ... script-src https://cdn.example 'wasm-unsafe-eval'; ..."
 * ```
 */
export function backendsAdvice(
  backends: readonly BackendName[],
  workerUrl: string,
  config: Pick<EngineConfig, "server" | "model"> | null,
): string {
  const which = backends.length === 1
    ? `the ${backends[0]} backend`
    : `the ${backends.join(" and ")} backends`;
  return `This page's Content-Security-Policy also refused ${which}, and trying again cannot change ` +
    `that: to use ${backends.length === 1 ? "it" : "them"}, the site must allow ${
      allowed(workerUrl, config)
    }.`;
}

/** The page's Content-Security-Policy sources the element needs (see {@link policyAdvice}). */
function allowed(workerUrl: string, config: Pick<EngineConfig, "server" | "model"> | null): string {
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
  return `script-src ${origin} 'wasm-unsafe-eval'; worker-src ${worker}; connect-src ${connect}`;
}
