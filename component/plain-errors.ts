/**
 * Errors in words for the person using the element. Core and the worker throw messages written for
 * developers (`no "LEVS" signature`, `corrupted (checksum 0xfb3c8c80, expected 0xfd873892)`, `Failed
 * to fetch ... tried 4 times`), which their tests hold; the element shows one plain sentence for the
 * ones a person meets, and keeps the developer's message as the error's details (see
 * status-messages.ts).
 *
 * @module
 */

import { refusedByPolicy, triedFailures } from "./page-policy.ts";
import { NO_WEBGPU, type NoBackendCause, unreachableOrigin } from "./worker/protocol.ts";

/** An error as the element shows it: a plain sentence, and the message it stands for, if it differs. */
export interface PlainError {
  /** What the person reads. */
  text: string;
  /** The developer's message behind it, or `""` when the text is that message. */
  details: string;
}

/** Core's reasons for refusing a session file (core/session.ts), after its "Cannot read a session: ". */
const NOT_A_SESSION = /^not a latent-evolver session \(/;
const DAMAGED = /^(truncated|trailing bytes|corrupted|header |generation \d+ )/;
const NEWER = /^format version \d+ is newer than this library reads/;

/** The developer's message of an error, or the value as text. */
function messageOf(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

/**
 * Why a session file was not imported, in words: a file that is no session, one cut short or
 * damaged, one from a newer version. Other reasons (the worker's: latents of another model, another
 * population) already say what to do and are shown as they are.
 *
 * @param name The file's name.
 * @param error The error the import was refused with.
 * @returns What to show.
 * @example
 * ```ts
 * import { importRefusal } from "./plain-errors.ts";
 * importRefusal("a.png", new Error('Cannot read a session: not a latent-evolver session (no "LEVS" signature)')).text;
 * // "a.png is not a latent-evolver session file."
 * ```
 */
export function importRefusal(name: string, error: unknown): PlainError {
  const message = messageOf(error);
  const reason = message.replace(/^Cannot (read|import) (a|the) session: /, "");
  const plain = NOT_A_SESSION.test(reason)
    ? `${name} is not a latent-evolver session file.`
    : DAMAGED.test(reason)
    ? `${name} is incomplete or damaged, so it was not imported.`
    : NEWER.test(reason)
    ? `${name} was saved by a newer latent-evolver, so it was not imported: update latent-evolver.`
    : null;
  return plain
    ? { text: plain, details: message }
    : { text: `Cannot import ${name}: ${reason}`, details: "" };
}

/**
 * The origin of the server a failure was about, where that server could not be reached: the
 * render's error, or the start's one backend tried that failed, not counting those the page's
 * Content-Security-Policy refused (told apart, with what to allow: page-policy.ts). A start where
 * other backends failed too is left as it is, naming each.
 */
function unreachableServer(error: unknown): string | undefined {
  const tried = triedFailures(error);
  if (!tried) return unreachableOrigin(error);
  const failed = tried.filter((f) => f.backend === "server" || !refusedByPolicy(f.message));
  return failed.length === 1 ? failed[0].unreachable : undefined;
}

/** Where a backend that would render with no other is passed over: what else to do. */
const WITHOUT_WEBGPU = 'set backend="auto" (or "wasm", or a server attribute) to render without it.';

/**
 * What a start says where the element is set to use WebGPU alone (`backend="webgpu"`) and it does
 * not apply here: on plain http, serve the page over https; without WebGPU in this browser (or a
 * GPU feature the model needs), use another; with no adapter now (a GPU process that crashed), try
 * again. `undefined` for any other error.
 */
function webgpuAlone(what: string, error: unknown): string | undefined {
  // Nothing tried (passed over as not applicable), and WebGPU the only backend there was to try.
  if (triedFailures(error)?.length !== 0) return undefined;
  const failures = (error as { cause: NoBackendCause }).cause.failures;
  const [webgpu] = failures;
  if (failures.length !== 1 || webgpu.backend !== "webgpu") return undefined;
  const alone = `${what}: the element is set to use WebGPU alone (backend="webgpu")`;
  if (webgpu.message === NO_WEBGPU.insecure) {
    return `${alone}, and browsers give WebGPU only to pages served over https (or from localhost), not ` +
      `to this page on plain http. Serve the page over https (or open it from localhost), or ${WITHOUT_WEBGPU}`;
  }
  if (webgpu.message === NO_WEBGPU.noAdapter) {
    return `${alone}, and ${webgpu.message}, as while the GPU's process restarts. Try again in a ` +
      `moment; if it stays so, use a browser (or a machine) where WebGPU works, or ${WITHOUT_WEBGPU}`;
  }
  return `${alone}, and ${webgpu.message}. Use a browser (or a machine) where WebGPU works, or ${WITHOUT_WEBGPU}`;
}

/**
 * Whether a start that could not try any backend (each passed over as not applicable) passed one
 * over for a reason that may go: WebGPU with no adapter now, as while the GPU's process restarts
 * after a crash. Then trying again may help; no WebGPU in the browser or the page, or a model too
 * large for the CPU, stay as they are.
 *
 * @param error What the start failed with: the registry's error, its `cause` the failures.
 * @returns True where trying again may find the backend.
 * @example
 * ```ts
 * import { passedOverForNow } from "./plain-errors.ts";
 * const failures = [{ backend: "webgpu", message: "WebGPU has no adapter (requestAdapter() returned null)" }];
 * passedOverForNow(new Error("No backend ...", { cause: { failures, skipped: ["webgpu"] } })); // true
 * ```
 */
export function passedOverForNow(error: unknown): boolean {
  const cause = (error as { cause?: Partial<NoBackendCause> } | null)?.cause;
  return triedFailures(error) !== null &&
    !!cause?.failures?.some((f) => f.backend === "webgpu" && f.message === NO_WEBGPU.noAdapter);
}

/**
 * Why an action failed, in words: a server that is not answering is said so (known by the origin in
 * the error's cause, see protocol.ts `UnreachableCause`), and only a page of another origin than the
 * server's is told that the server may refuse it (a browser hides a refused CORS request as a
 * network error); a start set to WebGPU alone where it has none says what to do instead. Other
 * errors are shown as their message.
 *
 * @param what The action that failed ("Rendering failed").
 * @param error Why: an error that may list each backend's failure in its cause (registry.ts).
 * @param pageOrigin The page's origin.
 * @returns What to show.
 * @example
 * ```ts
 * import { failure } from "./plain-errors.ts";
 * const e = new Error("The server http://gpu:8000 cannot be reached: Failed to fetch; tried 4 times", {
 *   cause: { unreachable: "http://gpu:8000", error: new TypeError("Failed to fetch") },
 * });
 * failure("Rendering failed", e, "http://gpu:8000").text;
 * // "Rendering failed: the image server at http://gpu:8000 is not answering."
 * ```
 */
export function failure(what: string, error: unknown, pageOrigin: string): PlainError {
  const why = messageOf(error);
  // The worker's reason may start with what failed already ("Cannot bring back ...: none were ...").
  const message = why.startsWith(`${what}: `) ? why : `${what}: ${why}`;
  const webgpu = webgpuAlone(what, error);
  if (webgpu) return { text: webgpu, details: message };
  const server = unreachableServer(error);
  if (!server) return { text: message, details: "" };
  const refuses = server === pageOrigin ? "" : ", or it refuses this page's origin (its --origins setting)";
  return { text: `${what}: the image server at ${server} is not answering${refuses}.`, details: message };
}
