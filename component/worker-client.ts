/**
 * Starts the element's worker and wraps it with Comlink.
 *
 * Browsers refuse `new Worker(url)` for a script of another origin, and a page that embeds the
 * element from a CDN is exactly that case. So the worker starts from a same-origin Blob URL whose
 * script imports the real worker module by its absolute URL (the host must send CORS headers); in a
 * page with an opaque origin, from a data: URL with the same script.
 *
 * @module
 */

import * as Comlink from "comlink";
import { keepErrorCauses } from "./worker/error-transfer.ts";
import type { EngineApi } from "./worker/protocol.ts";
import { POLICY_REFUSED } from "./page-policy.ts";

/** A started worker: its Comlink proxy, and a way to end it. */
export interface WorkerHandle {
  /**
   * The worker's API. A call still unanswered when the worker ends (terminated, or dead) rejects
   * with an AbortError instead of waiting for ever: a render in flight then ends as cancelled.
   */
  api: Comlink.Remote<EngineApi>;
  /** Terminates the worker and releases the proxy. */
  terminate(): void;
}

/**
 * How a worker ended on its own: the page's Content-Security-Policy refused it or its module
 * (another start meets the same refusal), its module never loaded (not found, or it threw as it ran:
 * a restart fetches the same files, unless a worker loaded them before), or it died once loaded (a
 * crash a restart may fix).
 */
export type WorkerDeath = "refused" | "not-loaded" | "died";

/** What a start knows of the worker's URL, and hears of its worker. */
export interface WorkerStartOptions {
  /**
   * A worker loaded its module from this URL before: one that now cannot load it met a network
   * down or files replaced meanwhile, not a wrong asset base, and its error says nothing of one.
   */
  loadedBefore?: boolean;
  /** Called once the worker module has loaded. */
  onLoaded?: () => void;
}

/** What the worker's first script posts once the worker module has loaded (Comlink ignores it). */
const LOADED = "latent-evolver-loaded";

/** What a worker module that could not be loaded (and no policy refused) adds to its error. */
const NOT_FOUND_HINT = " (is the build's dist/ served there? Where a bundler moved the element's code " +
  "away from it, set LatentEvolverElement.assetBase to the URL that serves dist/)";

/**
 * The worker's first script: it imports the worker module by its absolute URL. A dynamic import,
 * because Chrome refuses a static import in a Blob module worker unless the page's
 * Content-Security-Policy allows `blob:` scripts, where a dynamic one needs only `worker-src blob:`.
 * Messages that arrive before the module has set up its handler are held, then replayed, and the page
 * is told the module loaded; a module that fails to load becomes the worker's error event, naming the
 * policy when one refused it.
 */
function bootstrap(url: string, hint: string): string {
  return `const held = [];
const hold = (e) => held.push(e);
addEventListener("message", hold);
let refused = "";
addEventListener("securitypolicyviolation", (e) => {
  refused = " (${POLICY_REFUSED} " + e.blockedURI + ", " + e.effectiveDirective + ")";
});
import(${JSON.stringify(url)}).then(() => {
  postMessage(${JSON.stringify(LOADED)});
  removeEventListener("message", hold);
  for (const e of held) dispatchEvent(new MessageEvent("message", { data: e.data, ports: [...e.ports] }));
}, (error) => setTimeout(() => {
  // The hint only where the module could not be fetched, not where it threw while it ran.
  const unfetched = /dynamically imported module|importing a module script failed/i.test(error.message);
  throw new Error(error.message + (refused || (unfetched ? ${JSON.stringify(hint)} : "")));
}));
`;
}

/**
 * Starts the worker module at `url` through a Blob URL.
 *
 * @param url Absolute URL of the built worker module.
 * @param onDeath Called once if the worker fails to load or crashes, with how (see {@link WorkerDeath}).
 * @param options What is known of `url`, and what to call once the module loaded.
 * @returns The handle.
 * @example
 * ```ts
 * import { startWorker } from "./worker-client.ts";
 * const { api } = startWorker(new URL("./latent-evolver.worker.js", import.meta.url), console.error);
 * ```
 */
export function startWorker(
  url: URL | string,
  onDeath: (error: Error, how: WorkerDeath) => void,
  options: WorkerStartOptions = {},
): WorkerHandle {
  keepErrorCauses(); // a failed start's error arrives with each backend's failure (its cause)
  const source = bootstrap(new URL(url, location.href).href, options.loadedBefore ? "" : NOT_FOUND_HINT);
  // A page with an opaque origin (a sandboxed iframe) cannot start a module worker from a Blob URL;
  // a data: URL works there. Elsewhere the Blob URL keeps the page's origin, and so its storage.
  const opaque = globalThis.origin === "null";
  const blobUrl = opaque
    ? `data:text/javascript,${encodeURIComponent(source)}`
    : URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  let dead = false;
  let loaded = false; // its module loaded: an error from now on is a crash, not files that are not there
  let end!: () => void;
  const ended = new Promise<never>((_, reject) => {
    end = () => reject(new DOMException("The latent-evolver worker ended before answering", "AbortError"));
  });
  ended.catch(() => {}); // only ever raced
  const die = (error: Error) => {
    if (dead) return;
    dead = true;
    end();
    document.removeEventListener("securitypolicyviolation", onViolation);
    onDeath(error, error.message.includes(POLICY_REFUSED) ? "refused" : loaded ? "died" : "not-loaded");
  };
  // A policy that refuses the worker itself reports it to the page, not to the worker. The report
  // alone ends the worker: the element does not wait for an error event that may come late or never.
  let refused = "";
  let answered = false; // once the worker has answered, a report about some other blob is not about it
  const onViolation = (e: SecurityPolicyViolationEvent) => {
    if (answered || !e.blockedURI.startsWith(opaque ? "data" : "blob")) return;
    refused = ` (${POLICY_REFUSED} it: ${e.effectiveDirective})`;
    if (/^(worker|child|script|default)-src/.test(e.effectiveDirective)) {
      die(new Error(`The latent-evolver worker failed: it could not be loaded from ${url}${refused}`));
    }
  };
  document.addEventListener("securitypolicyviolation", onViolation);
  const worker = new Worker(blobUrl, { type: "module", name: "latent-evolver" });
  worker.addEventListener("error", (event: ErrorEvent) => {
    event.preventDefault();
    const why = event.message || `it could not be loaded from ${url}`;
    // The page's violation report may come just after the error.
    setTimeout(() => die(new Error(`The latent-evolver worker failed: ${why}${refused}`)), 50);
  });
  worker.addEventListener("message", (event: MessageEvent) => {
    if (event.data !== LOADED || loaded) return;
    loaded = true;
    options.onLoaded?.();
  });
  worker.addEventListener(
    "messageerror",
    () => die(new Error("The latent-evolver worker sent an unreadable message")),
  );
  const api = Comlink.wrap<EngineApi>(worker);
  // Each method call races the worker's end (Comlink's own `then`, for awaiting the proxy, is kept).
  const guarded = new Proxy(api, {
    get(target, prop) {
      const member = Reflect.get(target, prop);
      if (typeof prop === "symbol" || prop === "then") return member;
      return (...args: unknown[]) => {
        const answer = member(...args);
        answer.then(() => answered = true, () => {});
        return Promise.race([answer, ended]);
      };
    },
  });
  return {
    api: guarded,
    terminate() {
      dead = true;
      end();
      document.removeEventListener("securitypolicyviolation", onViolation);
      api[Comlink.releaseProxy]();
      worker.terminate();
      if (!opaque) URL.revokeObjectURL(blobUrl);
    },
  };
}
