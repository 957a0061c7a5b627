/**
 * Starts the element's worker and wraps it with Comlink.
 *
 * Browsers refuse `new Worker(url)` for a script of another origin, and a page that embeds the
 * element from a CDN is exactly that case. So the worker starts from a same-origin Blob URL whose
 * one line imports the real worker module by its absolute URL (the host must send CORS headers); in
 * a page with an opaque origin, from a data: URL with the same line.
 *
 * @module
 */

import * as Comlink from "comlink";
import type { EngineApi } from "./worker/protocol.ts";

/** A started worker: its Comlink proxy, and a way to end it. */
export interface WorkerHandle {
  /** The worker's API. */
  api: Comlink.Remote<EngineApi>;
  /** Terminates the worker and releases the proxy. */
  terminate(): void;
}

/**
 * Starts the worker module at `url` through a Blob URL.
 *
 * @param url Absolute URL of the built worker module.
 * @param onDeath Called once if the worker fails to load or crashes.
 * @returns The handle.
 * @example
 * ```ts
 * import { startWorker } from "./worker-client.ts";
 * const { api } = startWorker(new URL("./latent-evolver.worker.js", import.meta.url), console.error);
 * ```
 */
export function startWorker(url: URL | string, onDeath: (error: Error) => void): WorkerHandle {
  const source = `import ${JSON.stringify(new URL(url, location.href).href)};\n`;
  // A page with an opaque origin (a sandboxed iframe) cannot start a module worker from a Blob URL;
  // a data: URL works there. Elsewhere the Blob URL keeps the page's origin, and so its storage.
  const opaque = globalThis.origin === "null";
  const blobUrl = opaque
    ? `data:text/javascript,${encodeURIComponent(source)}`
    : URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(blobUrl, { type: "module", name: "latent-evolver" });
  let dead = false;
  const die = (error: Error) => {
    if (dead) return;
    dead = true;
    onDeath(error);
  };
  worker.addEventListener("error", (event: ErrorEvent) => {
    event.preventDefault();
    die(
      new Error(`The latent-evolver worker failed: ${event.message || "it could not be loaded from " + url}`),
    );
  });
  worker.addEventListener(
    "messageerror",
    () => die(new Error("The latent-evolver worker sent an unreadable message")),
  );
  const api = Comlink.wrap<EngineApi>(worker);
  return {
    api,
    terminate() {
      dead = true;
      api[Comlink.releaseProxy]();
      worker.terminate();
      if (!opaque) URL.revokeObjectURL(blobUrl);
    },
  };
}
