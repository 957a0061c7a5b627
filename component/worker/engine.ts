/**
 * The worker's engine: owns the session (latents, lineage, surrogate), runs every core operator and
 * all inference, and saves the session to IndexedDB after each generation (through a
 * {@link SessionSaver}). The element talks to it through Comlink ({@link EngineApi}); only images
 * and plain views cross back.
 *
 * @module
 */

import * as Comlink from "comlink";
import { createRng } from "../../core/rng.ts";
import {
  createSession,
  deserializeSessionFile,
  evolve,
  type Feedback,
  type Generation,
  rewind,
  serializeSession,
  type Session,
  validateFeedback,
} from "../../core/mod.ts";
import { loadManifest, type ModelManifest } from "../../core/manifest.ts";
import type { RgbaImage } from "../../core/image.ts";
import { BackendRegistry } from "../backends/registry.ts";
import type { BackendContext } from "../backends/types.ts";
import { wasmBackend, webgpuBackend } from "../backends/onnx.ts";
import { serverBackend } from "../backends/server.ts";
import { createModelLoader, forgetReplacedFiles } from "../backends/model-cache.ts";
import { storageKeyFor } from "../ui-state.ts";
import { SessionSaver } from "./session-saver.ts";
import { BackendSlot } from "./backend-slot.ts";
import { checkImport, restoreSession } from "./session-intake.ts";
import type {
  EngineApi,
  EngineConfig,
  EngineEvent,
  EngineListener,
  EvolvedView,
  FeedbackMessage,
  GenerationView,
  ImportedView,
  InitResult,
} from "./protocol.ts";

/** The registry the worker picks from: webgpu (30), server (20), wasm (10). */
export function defaultRegistry(): BackendRegistry {
  return new BackendRegistry().register(webgpuBackend).register(serverBackend).register(wasmBackend);
}

/** The settings a generation's answer gave, those it has (see `GenerationView.answer`). */
function answerOf({ mode, strength, radius }: Feedback): NonNullable<GenerationView["answer"]> {
  return Object.fromEntries(Object.entries({ mode, strength, radius }).filter(([, v]) => v !== undefined));
}

function view(generation: Generation): GenerationView {
  return {
    ...(generation.feedback ? { answer: answerOf(generation.feedback) } : {}),
    index: generation.index,
    size: generation.latents.length,
    lineage: generation.lineage.map((l) => ({
      operator: l.operator,
      parents: l.parents.map((p) => ({ generation: p.generation, index: p.index })),
      seed: l.seed,
      params: structuredClone(l.params) as Record<string, unknown>,
    })),
  };
}

/** Whether two answers to a generation of `size` images are the same, each checked and in its plain form. */
function sameFeedback(a: Feedback, b: Feedback, size: number): boolean {
  return JSON.stringify(validateFeedback(a, size)) === JSON.stringify(validateFeedback(b, size));
}

function abortError(): Error {
  const error = new Error("The generation was cancelled");
  error.name = "AbortError";
  return error;
}

/** The object the worker exposes. */
export class Engine implements EngineApi {
  #wasmBase: string;
  /** The backend it renders with. */
  #backends: BackendSlot;
  #config: EngineConfig | null = null;
  #manifest: ModelManifest | null = null;
  #session: Session | null = null;
  /** The session's seed: its first batch, and the generator of each evolve, come from it. */
  #seed: number | string = 0;
  #listener: Comlink.Remote<EngineListener> | null = null;
  /** What is saved of the session, and when. */
  #saver = new SessionSaver(
    () => ({
      key: this.#config?.storageKey ? storageKeyFor(this.#config.storageKey, "session") : null,
      session: this.#session,
      seed: this.#seed,
      spare: [this.#replaced, this.#beforeImport],
    }),
    (message) => void this.#emit({ type: "storage-failed", message }),
  );
  #abort: AbortController | null = null;
  /** The session before the last evolve that dropped later generations, until the session changes. */
  #replaced: Session | null = null;
  /**
   * The session the last import replaced, until the session changes again (an evolve, another import
   * or bringing it back): kept as it was, its seed being the engine's still (an import keeps it).
   */
  #beforeImport: Session | null = null;

  /**
   * @param wasmBase Base URL of onnxruntime-web's wasm files (the worker bundle's folder).
   * @param registry The backends to choose from.
   */
  constructor(wasmBase: string, registry: BackendRegistry = defaultRegistry()) {
    this.#wasmBase = wasmBase;
    this.#backends = new BackendSlot(registry);
  }

  async init(config: EngineConfig, listener: EngineListener): Promise<InitResult> {
    // Before the first await: a setSaving sent after init must not be undone by it.
    this.#saver.saving = config.save;
    this.cancel();
    await this.#backends.end();
    this.#config = config;
    this.#listener = listener as unknown as Comlink.Remote<EngineListener>;
    const manifest = await loadManifest(config.model).catch((error: Error) => {
      throw new TypeError(`Cannot load the model manifest ${config.model}: ${error.message}`, {
        cause: error,
      });
    });
    this.#manifest = manifest;
    // The files an earlier version of this manifest named go before the new ones download.
    await forgetReplacedFiles(manifest).catch(() => {});
    const loader = createModelLoader((url, reason) =>
      void this.#emit({ type: "model-not-cached", message: `${url}: ${reason}` })
    );
    const context: BackendContext = {
      manifest,
      manifestUrl: config.model,
      server: config.server,
      serverToken: config.serverToken,
      wasmBase: this.#wasmBase,
      ...loader,
      onDownloadProgress: (loaded, total) => void this.#emit({ type: "download", loaded, total }),
    };
    const backend = await this.#backends.start(config.backend, context);
    const failures = this.#backends.failures;
    const stored = await restoreSession(this.#saver, config, manifest);
    const restored = stored && "session" in stored ? stored : null;
    // Without a seed attribute a session keeps the seed it was made with, so that evolving a
    // generation again after a reload gives the same batch; a new session draws one.
    this.#seed = restored?.seed ?? config.seed ?? (Math.random() * 0x100000000) >>> 0;
    this.#session = restored?.session ??
      createSession(this.#evolveConfig(config, manifest), createRng(this.#seed));
    // A stored session that could not be read is not overwritten at once: storage may work again at
    // the next start (a passing IndexedDB failure), and the person is told.
    const unreadable = stored && "unreadable" in stored ? stored.unreadable : undefined;
    const salvaged = restored?.salvaged;
    // A new session is saved at once; so is a restored one whose storage still keeps generations for a
    // Bring back, which drops them (a new worker keeps no session to bring back).
    if ((!restored && unreadable === undefined) || restored?.spare) await this.#saver.save();
    return {
      backend: backend.name,
      failures,
      modelName: manifest.name,
      generations: this.#session.generations.map(view),
      restored: restored !== null,
      seed: this.#seed,
      ...(unreadable === undefined ? {} : { unreadable }),
      ...(salvaged === undefined ? {} : { salvaged }),
    };
  }

  async render(generation: number, prompt: string, request: number, indices?: number[]): Promise<void> {
    const session = this.#requireSession("render");
    const gen = session.generations[generation];
    if (!gen) {
      throw new RangeError(
        `Cannot render generation ${generation}: the session has ${session.generations.length}`,
      );
    }
    // The images asked for, in order: `send` takes the position among them.
    const which = indices ?? gen.latents.map((_, i) => i);
    if (which.some((i) => !Number.isInteger(i) || i < 0 || i >= gen.latents.length)) {
      throw new RangeError(
        `Cannot render images ${which} of generation ${generation}: it has ${gen.latents.length}`,
      );
    }
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    const sent: Promise<void>[] = [];
    const done = new Set<number>();
    const send = (index: number, image: RgbaImage) => {
      if (done.has(index) || abort.signal.aborted) return;
      done.add(index);
      sent.push(this.#sendImage(request, generation, index, image));
    };
    try {
      // In auto, a backend that fails while rendering gives way to the next that starts, which
      // renders the images not sent yet.
      for (let left = which;; left = left.filter((i) => !done.has(i))) {
        const backend = (await this.#backends.ready())!;
        if (abort.signal.aborted) throw abortError();
        try {
          const images = await backend.generate(left.map((i) => gen.latents[i]), prompt, {
            signal: abort.signal,
            onImage: (at, image) => send(left[at], image),
            onRetry: (retry) => void this.#emit({ type: "server-retry", retry }),
          });
          if (abort.signal.aborted) throw abortError();
          images.forEach((image, at) => send(left[at], image));
          await Promise.all(sent);
          return;
        } catch (error) {
          // Images already on their way arrive before the answer, not after the element's end event.
          await Promise.allSettled(sent);
          if (abort.signal.aborted) throw error;
          if (!(await this.#backends.replace(backend, error, (event) => this.#emit(event)))) throw error;
        }
      }
    } catch (error) {
      if (abort.signal.aborted) throw abortError();
      throw error;
    } finally {
      if (this.#abort === abort) this.#abort = null;
    }
  }

  async evolve(from: number, feedback: FeedbackMessage): Promise<EvolvedView> {
    const session = this.#requireSession("evolve");
    if (from < 0 || from >= session.generations.length) {
      throw new RangeError(
        `Cannot evolve from generation ${from}: the session has ${session.generations.length}`,
      );
    }
    this.cancel();
    const base = rewind(session, from);
    const replaced = base === session ? null : session;
    const fb: Feedback = {
      selected: feedback.selected,
      points: feedback.points,
      mode: feedback.mode,
      strength: feedback.strength,
      radius: feedback.radius,
      fresh: feedback.fresh,
    };
    // The answer this earlier generation already had: the generation it made is there, unchanged
    // (the same answer breeds the same batch), and the later ones stay.
    const { feedback: answered, latents } = session.generations[from];
    if (from < session.generations.length - 1 && answered && sameFeedback(answered, fb, latents.length)) {
      await this.#forgetKept(); // an Evolve ends Bring back, as the element's notice does
      return { ...view(session.generations[from + 1]), existing: true };
    }
    // The same session seed, generation and feedback give the same batch, after a reload too.
    const rng = createRng(`${this.#seed}:${from + 1}:${JSON.stringify(fb)}`);
    const next = evolve(base, fb, rng);
    this.#session = next;
    this.#replaced = replaced;
    this.#beforeImport = null;
    await this.#saver.save();
    // Its own generation, even if an import replaced the session while it was saved.
    return view(next.generations[next.generations.length - 1]);
  }

  async restoreReplaced(): Promise<GenerationView[]> {
    if (!this.#replaced) {
      throw new RangeError("Cannot bring back the generations: none were replaced since the last change");
    }
    return await this.#putBack(this.#replaced);
  }

  async restoreImported(): Promise<GenerationView[]> {
    if (!this.#beforeImport) {
      throw new RangeError(
        "Cannot bring back the session before the import: no import replaced one since the last change",
      );
    }
    return await this.#putBack(this.#beforeImport);
  }

  cancel(): void {
    this.#abort?.abort();
    this.#abort = null;
  }

  exportSession(pending?: Feedback): Promise<Uint8Array> {
    const bytes = serializeSession(this.#requireSession("export"), pending);
    return Promise.resolve(Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]));
  }

  async importSession(bytes: Uint8Array, keep = true): Promise<ImportedView> {
    const { session, pending } = deserializeSessionFile(bytes);
    checkImport(session, this.#manifest, this.#config);
    this.cancel();
    // Only the last import's: bringing it back puts back the session just before it.
    this.#beforeImport = keep ? this.#session : null;
    this.#session = session;
    this.#replaced = null;
    await this.#saver.save();
    return { generations: session.generations.map(view), ...(pending ? { pending } : {}) };
  }

  async setSaving(on: boolean): Promise<boolean> {
    const key = this.#config?.storageKey;
    if (!key) {
      this.#saver.saving = on;
      return true;
    }
    if (!on) {
      this.#saver.saving = false;
      return true;
    }
    // Another tab's newer session is kept: its work was saved, this one's was said not to be. The
    // check and the save are one transaction, so a save of the other tab cannot come between them;
    // saving is on once it has saved (a save asked for meanwhile waits for it, then saves too).
    return await this.#saver.save(true);
  }

  /** Forgets the sessions kept for Bring back, and their generations in storage. */
  async #forgetKept(): Promise<void> {
    if (!this.#replaced && !this.#beforeImport) return;
    this.#replaced = this.#beforeImport = null;
    await this.#saver.save();
  }

  /** Makes a session kept for Bring back the session again, forgetting both kept ones, and saves it. */
  async #putBack(session: Session): Promise<GenerationView[]> {
    this.cancel();
    this.#session = session;
    this.#replaced = this.#beforeImport = null;
    await this.#saver.save();
    return session.generations.map(view);
  }

  #evolveConfig(config: EngineConfig, manifest: ModelManifest) {
    return { shape: manifest.latentShape, population: config.population };
  }

  async #sendImage(request: number, generation: number, index: number, image: RgbaImage): Promise<void> {
    const pixels = new Uint8ClampedArray(image.data);
    const bitmap = await createImageBitmap(new ImageData(pixels, image.width, image.height));
    await this.#emit({ type: "image", request, generation, index, bitmap }, [bitmap]);
  }

  async #emit(event: EngineEvent, transfer: Transferable[] = []): Promise<void> {
    await this.#listener?.(Comlink.transfer(event, transfer));
  }

  #requireSession(what: string): Session {
    if (!this.#session) throw new TypeError(`Cannot ${what}: the engine has not been initialised`);
    return this.#session;
  }
}
