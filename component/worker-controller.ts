/**
 * The worker of `<latent-evolver>` over the element's life: started on the first update and when an
 * engine attribute changes, ended when the element leaves the page, restarted (the worker then
 * restores the session from storage) when it dies once loaded. It also keeps what the worker said
 * about itself: the config it runs, its backend and model, the model download.
 *
 * @module
 */

import type { ReactiveController, ReactiveControllerHost } from "lit";
import * as Comlink from "comlink";
import { type AttributeProblem, type EngineAttributes, readEngineConfig } from "./attributes.ts";
import { dispatchAttributeErrors } from "./events.ts";
import { loadUiState } from "./ui-state.ts";
import { StorageLock } from "./storage-lock.ts";
import { claimStorage, releaseStorage } from "./storage-claim.ts";
import { DeathCount, onRendered } from "./worker-health.ts";
import type { WorkerHooks } from "./worker-hooks.ts";
import {
  backendsAdvice,
  everyBackendRefused,
  policyAdvice,
  refusedBackends,
  refusedByPolicy,
  triedFailures,
} from "./page-policy.ts";
import { startWorker, type WorkerDeath, type WorkerHandle } from "./worker-client.ts";
import { passedOverForNow } from "./plain-errors.ts";
import type { BackendName, EngineApi, EngineConfig, EngineEvent, ServerRetry } from "./worker/protocol.ts";

/** The element a {@link WorkerController} serves: its engine attributes are the worker's config. */
export type WorkerControllerHost = ReactiveControllerHost & HTMLElement & EngineAttributes & {
  readonly hasUpdated: boolean;
};

/**
 * Starts, ends and restarts the element's worker as a lit reactive controller.
 *
 * @example
 * ```ts
 * import { WorkerController } from "./worker-controller.ts";
 * // In elementParts (element-parts.ts): new WorkerController(host, { workerUrl: () => url, ...hooks });
 * ```
 */
export class WorkerController implements ReactiveController {
  /** The config of the latest start, or `null` before the first. */
  config: EngineConfig | null = null;
  /** The backend in use, or `null` before one is chosen. */
  backend: BackendName | null = null;
  /** The model's name, from its manifest. */
  modelName = "";
  /** The session's seed, once the worker is ready. */
  seed: number | string = 0;
  /** Progress of the latest start's download (model files, onnxruntime's wasm), or `null` before it starts. */
  download: { loaded: number; total: number } | null = null;
  /** The server backend's request that waits to be sent again, or `null` (see protocol.ts `ServerRetry`). */
  serverRetry: ServerRetry | null = null;
  /** The engine attributes rejected at the latest start. */
  problems: AttributeProblem[] = [];
  /**
   * True when the latest start failed (the worker or the model did not load) or its worker kept
   * dying, and trying again may help: {@link restart} tries again. Not where the page's
   * Content-Security-Policy refused the worker or WebAssembly, nor where no backend applies here
   * (`backend="webgpu"` in a browser without WebGPU, or on plain http), which another start meets
   * again; but where WebGPU had no adapter, which a GPU process restarting gives none for a while.
   */
  failed = false;
  #host: WorkerControllerHost;
  #hooks: WorkerHooks;
  #worker: WorkerHandle | null = null;
  /** The worker whose `init` answered: its API is the one handed out. */
  #ready: WorkerHandle | null = null;
  /** The API handed out for {@link #ready}: a render it finishes proves the worker healthy. */
  #readyApi: Comlink.Remote<EngineApi> | null = null;
  /** Counts starts (and releases): a start that another has overtaken stops at its next step. */
  #starts = 0;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #releaseTimer: ReturnType<typeof setTimeout> | undefined;
  /** The attribute problems of the latest config read, before the storage claim added its own. */
  #readProblems: AttributeProblem[] = [];
  /** Worker deaths since a render last finished (or Try again), see {@link DeathCount}. */
  #deaths = new DeathCount();
  /** The storage key's lock across tabs, held or waited for; kept over restarts with the same key. */
  #lock: StorageLock | null = null;
  /** The worker URLs a worker of this element has loaded its module from (see {@link #onDeath}). */
  #loadedFrom = new Set<string>();

  /**
   * @param host The element; the controller adds itself to it.
   * @param hooks What the element does at each step.
   */
  constructor(host: WorkerControllerHost, hooks: WorkerHooks) {
    this.#host = host;
    this.#hooks = hooks;
    host.addController(this);
  }

  /** The storage key this element saves under, or `null` (persistence off, or another tab saves it). */
  get savingKey(): string | null {
    const key = this.config?.storageKey ?? null;
    return key !== null && this.#lock?.key === key && this.#lock.held ? key : null;
  }

  /** True while another tab saves under this element's storage key: this one saves nothing. */
  get savedElsewhere(): boolean {
    const key = this.config?.storageKey ?? null;
    return key !== null && this.#lock?.key === key && !this.#lock.held;
  }

  /**
   * Continues the session in this tab ("Use here"): takes the storage key from the tab that saves it,
   * which then shows its note.
   */
  async useHere(): Promise<void> {
    const lock = this.#lock;
    if (!lock || lock.held) return;
    await lock.steal();
    if (this.#lock === lock && lock.held) await this.#takeOver();
  }

  /** The running worker's API once its session is ready, or `null` (none runs, or it is starting). */
  get api(): Comlink.Remote<EngineApi> | null {
    return this.#worker && this.#worker === this.#ready ? this.#readyApi : null;
  }

  /** Back on the page: a move keeps its worker; a worker ended while away is started again. */
  hostConnected(): void {
    clearTimeout(this.#releaseTimer);
    if (!this.#worker && this.#host.hasUpdated) this.scheduleRestart();
  }

  /**
   * Off the page: the worker (and the model's memory) is released, in the next task. A move (a
   * framework reordering a list, a node appended elsewhere) disconnects and reconnects the element
   * in one task, and must keep the session and its images rather than start over.
   */
  hostDisconnected(): void {
    clearTimeout(this.#releaseTimer);
    this.#releaseTimer = setTimeout(() => {
      clearTimeout(this.#restartTimer);
      this.#starts++; // a start still on its way stops
      this.#worker?.terminate();
      this.#worker = null;
      releaseStorage(this.#host);
      this.#lock?.release();
      this.#lock = null;
      this.#hooks.released();
    }, 0);
  }

  /** Restarts the worker once the current task ends, so several changed attributes restart it once. */
  scheduleRestart(): void {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => void this.#start(), 0);
  }

  /**
   * Restarts the worker now (Try again, the page's `restartWorker()`): its deaths are counted afresh,
   * so a worker that kept dying is restarted on its own again.
   *
   * @returns When the new worker has shown its session.
   */
  restart(): Promise<void> {
    this.#deaths.reset();
    clearTimeout(this.#restartTimer);
    return this.#start();
  }

  /**
   * Whether the engine attributes now make another config (or other problems) than the running
   * worker's: a framework that sets `population` to 8 where the attribute said "8" must not end the
   * worker and load the model again.
   */
  configChanged(): boolean {
    if (!this.config) return true;
    try {
      const read = this.#readAttributes();
      const key = (c: EngineConfig, p: AttributeProblem[]) => JSON.stringify([{ ...c, save: undefined }, p]);
      return key(read.config, read.problems) !== key(this.config, this.#readProblems);
    } catch {
      return true;
    }
  }

  /** The config the engine attributes make now, with their problems; nothing else changes. */
  #readAttributes(): ReturnType<typeof readEngineConfig> {
    return readEngineConfig(this.#host, document.baseURI, () => this.#hooks.builtinModelUrl());
  }

  #readConfig(): EngineConfig {
    const { config, problems } = this.#readAttributes();
    this.#readProblems = [...problems];
    claimStorage(this.#host, config, problems);
    this.problems = problems;
    dispatchAttributeErrors(this.#host, problems);
    return config;
  }

  /**
   * Takes (or keeps) the Web Lock of the storage key across tabs, see {@link StorageLock}.
   *
   * @returns False when this start was overtaken meanwhile (it stops).
   */
  async #lockStorage(key: string | null, start: number): Promise<boolean> {
    if (this.#lock?.key === key) return true; // held over a restart: a waiting tab must not slip in
    this.#lock?.release();
    this.#lock = null;
    if (key === null) return true;
    const lock: StorageLock = await StorageLock.take(key, {
      onTaken: () => void (this.#lock === lock && this.#takeOver()),
      onLost: () => {
        if (this.#lock !== lock) return;
        this.#worker?.api.setSaving(false).catch(
          () => {/* the worker ended: the next one starts unsaving */},
        );
        this.#host.requestUpdate();
      },
    });
    if (start !== this.#starts || !this.#host.isConnected) {
      lock.release();
      return false;
    }
    this.#lock = lock;
    return true;
  }

  /**
   * This tab saves the storage key from now on. The session shown is saved only if storage still
   * holds what this tab loaded (or last saved); if another tab saved since, that newer session is
   * shown instead (a restart restores it): what this tab did meanwhile was never promised to last.
   */
  async #takeOver(): Promise<void> {
    this.#host.requestUpdate();
    const api = this.api;
    const saved = api ? await api.setSaving(true).catch(() => false) : false;
    if (saved) this.#hooks.storageTaken();
    else await this.restart();
  }

  async #start(): Promise<void> {
    const start = ++this.#starts;
    this.failed = false;
    this.#worker?.terminate();
    this.#worker = null;
    let config: EngineConfig;
    try {
      config = this.#readConfig();
    } catch (error) {
      this.#hooks.uiStateRead(null);
      return this.#hooks.fail("The element cannot start", error); // no assetBase to find its files
    }
    this.config = config;
    this.backend = null;
    this.download = null; // a download cut short by the restart is not going on
    this.serverRetry = null;
    this.#hooks.onStart();
    this.#host.requestUpdate();
    if (!(await this.#lockStorage(config.storageKey, start))) return;
    const ui = config.storageKey ? await loadUiState(config.storageKey).catch(() => null) : null;
    // Overtaken by another start, or the element left the page, while the UI state was read: a
    // worker started now would be nobody's and never ended.
    if (start !== this.#starts || !this.#host.isConnected) return;
    this.#hooks.uiStateRead(ui);
    let handle: WorkerHandle;
    try {
      const url = new URL(this.#hooks.workerUrl(), location.href).href;
      // Its files were there minutes ago: a module that cannot be loaded now (a network briefly down,
      // a deploy that replaced them) is a death like any other, restarted, and no assetBase is hinted.
      const loadedBefore = this.#loadedFrom.has(url);
      handle = startWorker(
        url,
        (error, how) => this.#onDeath(handle, error, how === "not-loaded" && loadedBefore ? "died" : how),
        { loadedBefore, onLoaded: () => this.#loadedFrom.add(url) },
      );
    } catch (error) {
      // `new Worker` throws at once when the page's Content-Security-Policy refuses it (some
      // browsers), or for a URL it cannot take: neither is helped by another start.
      const what = "The worker could not be started";
      return refusedByPolicy(error) ? this.#refused(what, error) : this.#hooks.fail(what, error);
    }
    this.#worker = handle;
    // Read now, not at the lock's request: the lock may have been taken since.
    config.save = this.#lock?.held ?? true;
    try {
      // A worker ended by a restart may still have events on their way (its download progress): not
      // about the worker that runs now.
      const listener = (e: EngineEvent) => void (this.#worker === handle && this.#onEvent(e));
      const result = await handle.api.init(config, Comlink.proxy(listener));
      if (this.#worker !== handle) return;
      this.#ready = handle;
      this.#readyApi = onRendered(handle.api, () => void (this.#worker === handle && this.#deaths.reset()));
      this.backend = result.backend;
      this.modelName = result.modelName;
      this.seed = result.seed;
      await this.#hooks.onReady(result, result.restored && ui ? ui : null);
    } catch (error) {
      // A worker that ended (it died: #onDeath has said why) leaves init unanswered, as an AbortError.
      if (this.#worker !== handle || (error as Error)?.name === "AbortError") return;
      if (everyBackendRefused(error)) return this.#refused("The model could not be started", error);
      // No backend applied here (no WebGPU with backend="webgpu", none on plain http, a model too
      // large for the CPU): another start passes over the same ones, so there is nothing to try
      // again. Except a WebGPU adapter that is not there now (a GPU process restarting after a crash).
      if (triedFailures(error)?.length === 0 && !passedOverForNow(error)) {
        return this.#hooks.fail("The images cannot be made here. The model could not be started", error);
      }
      this.failed = true;
      // A backend the page's policy refused beside a failure that may pass (a server down) is told too.
      const refused = refusedBackends(error);
      const advice = refused.length ? backendsAdvice(refused, this.#hooks.workerUrl(), config) : "";
      this.#hooks.fail("The images cannot be made right now. The model could not be started", error, advice);
    }
  }

  #onEvent(event: EngineEvent): void {
    if (event.type === "download") {
      this.download = { loaded: event.loaded, total: event.total };
      this.#host.requestUpdate();
    } else if (event.type === "image") this.#hooks.onImage(event);
    else if (event.type === "storage-failed") this.#hooks.storageFailed(new Error(event.message));
    else if (event.type === "backend") {
      this.backend = event.backend;
      this.#hooks.backendReplaced(event);
      this.#host.requestUpdate();
    } else if (event.type === "model-not-cached") this.#hooks.modelNotCached(event.message);
    else if (event.type === "server-retry") {
      this.serverRetry = event.retry;
      this.#host.requestUpdate();
    }
  }

  #onDeath(handle: WorkerHandle, error: Error, how: WorkerDeath): void {
    if (this.#worker !== handle) return;
    if (how === "refused") return this.#refused("The worker cannot run in this page", error);
    if (how === "not-loaded") {
      // Its files are not where the element looks (a wrong assetBase, a bundler that moved the
      // element's code away from dist/), or its module threw as it loaded: a restart meets the same
      // files, so it is said at once (with where to look) rather than after restarts. Try again, for
      // a network that failed once. (Where a worker loaded from the same URL before, it died.)
      this.failed = true;
      return this.#hooks.fail("The images cannot be made right now. The worker could not be loaded", error);
    }
    const delay = this.#deaths.died(); // null: it keeps dying, see DeathCount
    if (delay === null) {
      this.failed = true;
      const what =
        "The images cannot be made right now. The worker keeps failing, so it is not restarted again";
      return this.#hooks.fail(what, error);
    }
    this.#hooks.fail("The worker stopped; restarting it and restoring the session", error);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => void this.#start(), delay);
  }

  /**
   * Shows an error the page's Content-Security-Policy caused, with no Try again (another start meets
   * the same refusal): first what the site must allow, then what failed.
   */
  #refused(what: string, error: unknown): void {
    this.#hooks.fail(`${policyAdvice(this.#hooks.workerUrl(), this.config)} ${what}`, error);
  }
}
