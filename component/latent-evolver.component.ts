import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import * as Comlink from "comlink";
import type { Point } from "../core/latent.ts";
import { styles } from "./latent-evolver.styles.ts";
import {
  BackendEvent,
  type GenerationReason,
  LatentEvolverErrorEvent,
  SelectionChangeEvent,
} from "./events.ts";
import { type AttributeProblem, readControls, readEngineConfig } from "./attributes.ts";
import { startWorker, type WorkerHandle } from "./worker-client.ts";
import type { BackendName, EngineConfig, EngineEvent, GenerationView } from "./worker/protocol.ts";
import { loadUiState, saveUiState, type UiState } from "./ui-state.ts";
import { imagePng, saveBlob, sessionBlob } from "./export-files.ts";
import { GenerationRenderer } from "./generation-renderer.ts";
import { clickPoint, type Cursor, movedCursor, shortcutOf } from "./tile-input.ts";
import { Marks } from "./marks.ts";
import {
  renderHistory,
  renderStatus,
  renderTile,
  renderToolbar,
  type TileContext,
} from "./latent-evolver.render.ts";

/**
 * An embeddable interactive evolution of image-generator latents: a grid of images made from a
 * prompt and random latents; the person selects favourites and marks regions, and Evolve breeds the
 * next batch from those choices. Inference runs in a worker on WebGPU, a server or wasm.
 *
 * @tag latent-evolver
 *
 * @fires le-selection-change - {SelectionChangeEvent} Selection or marked points changed.
 * @fires le-generation-start - {GenerationStartEvent} A generation started rendering.
 * @fires le-generation-progress - {GenerationProgressEvent} One more image is shown.
 * @fires le-generation-end - {GenerationEndEvent} A generation finished or was cancelled.
 * @fires le-backend - {BackendEvent} The backend that runs the model was chosen.
 * @fires le-error - {LatentEvolverErrorEvent} A bad attribute, a model that fails to load, a failed render.
 *
 * @csspart toolbar - The bar with the prompt and the buttons.
 * @csspart prompt - The prompt field.
 * @csspart button - Every button; also `evolve`, `new-batch`, `undo`, `redo`, `cancel`, `mark`, `mode`.
 * @csspart grid - The grid of images.
 * @csspart tile - One image with its points and lineage.
 * @csspart image-button - The toggle button around an image.
 * @csspart image - The canvas an image is drawn on.
 * @csspart point - A marked point (a button that removes it).
 * @csspart lineage - The line under an image saying where it came from.
 * @csspart history - The strip of earlier generations.
 * @csspart status - Backend, progress bars and messages.
 * @csspart error - The error message.
 *
 * @cssproperty [--le-gap=0.5rem] - Space between tiles and controls.
 * @cssproperty [--le-tile-size=160px] - Smallest tile width.
 * @cssproperty [--le-accent=light-dark(#0b57d0, #8ab4f8)] - Accent: selection, focus, primary button.
 * @cssproperty [--le-radius=8px] - Corner radius.
 */
export class LatentEvolverElement extends LitElement {
  static override styles = styles;
  static override properties = {
    prompt: { type: String },
    model: { type: String },
    server: { type: String },
    backend: { type: String },
    population: { type: String },
    seed: { type: String },
    columns: { type: String },
    mutationStrength: { type: String, attribute: "mutation-strength" },
    radius: { type: String },
    storageKey: { type: String, attribute: "storage-key" },
    marking: { type: Boolean, reflect: true },
  };

  /** URL of the worker module; the build puts it beside this bundle. */
  static workerUrl: string = new URL("./latent-evolver.worker.js", import.meta.url).href;
  /** URL of the built-in model's manifest, used when `model` is not set. */
  static builtinModelUrl: string = new URL("./models/builtin/manifest.json", import.meta.url).href;

  /** The prompt the images are rendered with. Editing it re-renders the current latents. */
  declare prompt: string;
  /** URL of a model manifest; defaults to the built-in model. */
  declare model: string | null;
  /** Base URL of an Open Inference Protocol server. */
  declare server: string | null;
  /** `auto` (default), `webgpu`, `wasm` or `server`. */
  declare backend: string | null;
  /** Images per generation, 1 to 64 (default 8). */
  declare population: string | null;
  /** Seed of the session; the same seed gives the same first batch. */
  declare seed: string | null;
  /** Grid columns; by default as many as fit. */
  declare columns: string | null;
  /** Mutation strength, 0.05 to 3 (default 1). */
  declare mutationStrength: string | null;
  /** Radius of a marked region, 0.02 to 0.5 of the image (default 0.15). */
  declare radius: string | null;
  /** IndexedDB namespace of the session; `none` disables persistence (default `default`). */
  declare storageKey: string | null;
  /** True while clicks mark points instead of selecting. */
  declare marking: boolean;

  #worker: WorkerHandle | null = null;
  #generations: GenerationView[] = [];
  #current = 0;
  #marks = new Marks();
  #mode: "change" | "keep" = "change";
  #strength = 1;
  #radiusValue = 0.15;
  #cursor: Cursor | null = null;
  #backendName: BackendName | null = null;
  #modelName = "";
  #download: { loaded: number; total: number } | null = null;
  #attributeErrors: AttributeProblem[] = [];
  #controlErrors: AttributeProblem[] = [];
  #runtimeError = "";
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #promptTimer: ReturnType<typeof setTimeout> | undefined;
  #drawn = new WeakMap<HTMLCanvasElement, ImageBitmap>();
  #config: EngineConfig | null = null;
  #renderer = new GenerationRenderer(this, (what, error) => this.#fail(what, error));
  /** Worker deaths since the last successful start. */
  #deaths = 0;

  constructor() {
    super();
    this.prompt = "";
    this.marking = false;
  }

  /** Selected image indices of the generation shown. */
  get selected(): number[] {
    return this.#marks.selected(this.#current);
  }

  /** The backend in use, or `null` before one is chosen. */
  get activeBackend(): BackendName | null {
    return this.#backendName;
  }

  /** Index of the generation shown. */
  get generation(): number {
    return this.#current;
  }

  /** Number of generations in the session. */
  get generationCount(): number {
    return this.#generations.length;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#worker?.terminate();
    this.#worker = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.#worker && this.hasUpdated) this.#scheduleRestart();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const restartOn = ["model", "server", "backend", "population", "seed", "storageKey"] as const;
    const first = !this.hasUpdated;
    if ((first || restartOn.some((p) => changed.has(p))) && this.isConnected) this.#scheduleRestart();
    if (changed.has("mutationStrength") || changed.has("radius") || changed.has("columns")) {
      this.#validateSliders();
    }
    if (changed.has("prompt") && this.#generations.length && this.prompt !== this.#renderer.renderedPrompt) {
      this.#onPromptChanged(250);
    }
  }

  override render(): TemplateResult {
    const gen = this.#generations[this.#current];
    const images = this.#renderer.images.get(this.#current) ?? [];
    const columns = Number(this.columns);
    const gridStyle = Number.isInteger(columns) && columns > 0 ? `--le-columns:${columns}` : "";
    const errors = [
      ...[...this.#attributeErrors, ...this.#controlErrors].map((p) => p.message),
      ...(this.#runtimeError ? [this.#runtimeError] : []),
    ];
    const ctx: TileContext = {
      generation: this.#current,
      selected: new Set(this.#marks.selected(this.#current)),
      points: this.#marks.points[this.#current] ?? {},
      mode: this.#mode,
      marking: this.marking,
      cursor: this.#cursor,
      onActivate: (i, e) => this.#onTileClick(i, e),
      onKey: (i, e) => this.#onTileKey(i, e),
      onRemovePoint: (i, p) => this.#removePoint(i, p),
      onSave: (i) => void this.downloadImage(i),
    };
    return html`
      ${errors.length ? html`<div part="error" role="alert">${errors.join("\n")}</div>` : nothing}
      ${renderToolbar({
        prompt: this.prompt,
        ready: !!gen,
        marking: this.marking,
        mode: this.#mode,
        strength: this.#strength,
        radius: this.#radiusValue,
        onPromptInput: (value) => (this.prompt = value),
        onPromptEnter: () => this.#onPromptChanged(0),
        onEvolve: () => void this.evolve(),
        onNewBatch: () => void this.newBatch(),
        onToggleMarking: () => (this.marking = !this.marking),
        onToggleMode: this.#toggleMode,
        onStrength: (v) => {
          this.#strength = v;
          this.#persist();
        },
        onRadius: (v) => {
          this.#radiusValue = v;
          this.#persist();
        },
        onShortcut: this.#onShortcut,
      })}
      <div part="grid" style=${gridStyle} @keydown=${this.#onShortcut}>
        ${gen ? gen.lineage.map((l, i) => renderTile(ctx, i, l, images[i])) : nothing}
      </div>
      ${renderHistory({
        count: this.#generations.length,
        current: this.#current,
        busy: this.#renderer.busy,
        onShow: (g) => void this.showGeneration(g),
        onUndo: () => void this.undo(),
        onRedo: () => void this.redo(),
        onCancel: () => this.cancel(),
        onExport: () => void this.downloadSession(),
        onImport: (f) => void this.importSession(f),
      })}
      ${renderStatus({
        backend: this.#backendName,
        model: this.#modelName,
        download: this.#download,
        progress: this.#renderer.progress,
        failed: errors.length > 0,
      })}
    `;
  }

  protected override updated(): void {
    const images = this.#renderer.images.get(this.#current) ?? [];
    for (const canvas of this.renderRoot.querySelectorAll<HTMLCanvasElement>("canvas[data-index]")) {
      const bitmap = images[Number(canvas.dataset.index)];
      if (!bitmap || this.#drawn.get(canvas) === bitmap) continue;
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext("2d")?.drawImage(bitmap, 0, 0);
      this.#drawn.set(canvas, bitmap);
    }
  }

  /**
   * Breeds the next generation from the selection and points, and renders it.
   *
   * @param fresh True for a new batch of fresh diverse latents instead.
   * @returns When the new generation is rendered (or replaced/cancelled).
   */
  async evolve(fresh = false): Promise<void> {
    const api = this.#worker?.api;
    if (!api || !this.#generations.length) return;
    const selected = this.selected;
    if (!fresh && !selected.length) {
      this.#showError("Select at least one image to evolve from, or press New batch.");
      return;
    }
    const points = this.#marks.feedbackPoints(this.#current);
    try {
      this.#runtimeError = "";
      const gen = await api.evolve(this.#current, {
        selected,
        points,
        mode: this.#mode,
        strength: this.#strength,
        radius: this.#radiusValue,
        fresh,
      });
      this.#dropAfter(this.#current);
      this.#generations.push(gen);
      this.#current = gen.index;
      this.#persist();
      await this.#renderGeneration(gen.index, fresh ? "new-batch" : "evolve");
    } catch (error) {
      this.#fail("Evolve failed", error);
    }
  }

  /** Replaces the shown generation's successors with a batch of fresh diverse latents. */
  newBatch(): Promise<void> {
    return this.evolve(true);
  }

  /** Shows the previous generation. */
  undo(): Promise<void> {
    return this.showGeneration(this.#current - 1);
  }

  /** Shows the next generation, after an undo. */
  redo(): Promise<void> {
    return this.showGeneration(this.#current + 1);
  }

  /**
   * Shows an earlier (or later) generation of the history, rendering it if needed.
   *
   * @param index Generation index.
   */
  async showGeneration(index: number): Promise<void> {
    if (index < 0 || index >= this.#generations.length || index === this.#current) return;
    this.#current = index;
    this.#cursor = null;
    this.#persist();
    this.#emitSelection();
    const images = this.#renderer.images.get(index);
    if (!images || images.some((b) => !b)) await this.#renderGeneration(index, "history");
    else this.requestUpdate();
  }

  /**
   * Ends the worker and starts a new one, which restores the session from storage: what happens
   * when the worker dies, on demand (for example to free the model's memory). Without storage
   * (`storage-key="none"`) a new session starts.
   *
   * @returns When the new worker has rendered the generation shown.
   */
  restartWorker(): Promise<void> {
    clearTimeout(this.#restartTimer);
    return this.#start();
  }

  /** Cancels the generation being rendered. */
  cancel(): void {
    this.#worker?.api.cancel();
  }

  /**
   * The image as a PNG whose `tEXt` chunks carry its genome (prompt, model, seed, lineage).
   *
   * @param index Image index in the generation shown.
   * @returns The PNG.
   */
  exportImage(index: number): Promise<Blob> {
    const bitmap = this.#renderer.images.get(this.#current)?.[index];
    const lineage = this.#generations[this.#current]?.lineage[index];
    if (!bitmap || !lineage) throw new RangeError(`Cannot export image ${index}: it is not shown`);
    return Promise.resolve(imagePng(bitmap, {
      prompt: this.prompt,
      model: this.#config?.model ?? "",
      modelName: this.#modelName,
      seed: this.#config?.seed ?? 0,
      generation: this.#current,
      index,
      lineage,
    }));
  }

  /** Downloads an image as PNG with its genome. @param index Image index. */
  async downloadImage(index: number): Promise<void> {
    saveBlob(await this.exportImage(index), `latent-evolver-g${this.#current}-${index}.png`);
  }

  /** The whole session as a file (core's versioned binary format). @returns The file. */
  async exportSession(): Promise<Blob> {
    if (!this.#worker) throw new TypeError("Cannot export the session: the element has not started");
    return sessionBlob(await this.#worker.api.exportSession());
  }

  /** Downloads the session file. */
  async downloadSession(): Promise<void> {
    saveBlob(await this.exportSession(), "latent-evolver-session.bin");
  }

  /**
   * Replaces the session with one from a file made by {@link exportSession}.
   *
   * @param file The session file.
   */
  async importSession(file: Blob): Promise<void> {
    if (!this.#worker) return;
    try {
      const generations = await this.#worker.api.importSession(new Uint8Array(await file.arrayBuffer()));
      this.#generations = generations;
      this.#renderer.images.clear();
      this.#marks = new Marks();
      this.#current = generations.length - 1;
      this.#persist();
      await this.#renderGeneration(this.#current, "restore");
    } catch (error) {
      this.#fail("Cannot import the session", error);
    }
  }

  // ---- start-up ---------------------------------------------------------------------------------

  #scheduleRestart(): void {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => void this.#start(), 0);
  }

  #readConfig(): EngineConfig {
    const { config, problems } = readEngineConfig(
      this,
      document.baseURI,
      LatentEvolverElement.builtinModelUrl,
    );
    this.#attributeErrors = problems;
    for (const p of problems) {
      this.dispatchEvent(new LatentEvolverErrorEvent({ message: p.message, attribute: p.attribute }));
    }
    return config;
  }

  #validateSliders(): void {
    const controls = readControls(this);
    this.#strength = controls.strength;
    this.#radiusValue = controls.radius;
    this.#controlErrors = controls.problems;
    for (const p of controls.problems) {
      this.dispatchEvent(new LatentEvolverErrorEvent({ message: p.message, attribute: p.attribute }));
    }
    this.requestUpdate();
  }

  async #start(): Promise<void> {
    this.#worker?.terminate();
    this.#worker = null;
    const config = this.#readConfig();
    this.#config = config;
    this.#backendName = null;
    this.#runtimeError = "";
    this.requestUpdate();
    const ui = config.storageKey ? await loadUiState(config.storageKey).catch(() => null) : null;
    const handle = startWorker(LatentEvolverElement.workerUrl, (error) => this.#onWorkerDeath(handle, error));
    this.#worker = handle;
    try {
      const result = await handle.api.init(config, Comlink.proxy((e: EngineEvent) => this.#onEngineEvent(e)));
      if (this.#worker !== handle) return;
      this.#deaths = 0;
      this.#backendName = result.backend;
      this.#modelName = result.modelName;
      this.#generations = result.generations;
      this.#renderer.images.clear();
      const restore = result.restored && ui;
      this.#applyUi(restore ? ui : null);
      this.dispatchEvent(
        new BackendEvent({ backend: result.backend, model: result.modelName, failures: [] }),
      );
      this.#persist();
      await this.#renderGeneration(this.#current, restore ? "restore" : "first");
    } catch (error) {
      if (this.#worker === handle) this.#fail("The model could not be started", error);
    }
  }

  #applyUi(ui: UiState | null): void {
    const last = this.#generations.length - 1;
    this.#current = Math.min(Math.max(ui?.current ?? last, 0), last);
    this.#marks = new Marks(ui?.selection, ui?.points);
    if (ui) {
      this.#mode = ui.mode;
      this.#strength = ui.strength;
      this.#radiusValue = ui.radius;
      if (ui.prompt !== this.prompt) this.prompt = ui.prompt;
    }
  }

  #onWorkerDeath(handle: WorkerHandle, error: Error): void {
    if (this.#worker !== handle) return;
    // A worker that dies again and again (a broken deployment) is not restarted forever.
    if (++this.#deaths > 3) return this.#fail("The worker keeps failing; giving up", error);
    this.#fail("The worker stopped; restarting it and restoring the session", error);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => void this.#start(), 250 * this.#deaths);
  }

  // ---- rendering --------------------------------------------------------------------------------

  async #renderGeneration(index: number, reason: GenerationReason): Promise<void> {
    const api = this.#worker?.api;
    const gen = this.#generations[index];
    if (!api || !gen) return;
    await this.#renderer.render(api, index, gen, this.prompt, reason);
  }

  #onEngineEvent(event: EngineEvent): void {
    if (event.type === "download") {
      this.#download = { loaded: event.loaded, total: event.total };
      this.requestUpdate();
    } else if (event.type === "image") this.#renderer.onImage(event);
  }

  #onPromptChanged(delay: number): void {
    clearTimeout(this.#promptTimer);
    this.#promptTimer = setTimeout(() => {
      this.#renderer.images.clear();
      this.#persist();
      void this.#renderGeneration(this.#current, "prompt");
    }, delay);
  }

  // ---- selection and points ---------------------------------------------------------------------

  #onTileClick(index: number, e: MouseEvent): void {
    if (this.marking || e.shiftKey) {
      const canvas = (e.currentTarget as HTMLElement).querySelector("canvas")!;
      this.#addPoint(index, clickPoint(e, canvas, this.#cursor, index));
    } else this.#toggle(index);
  }

  #onTileKey(index: number, e: KeyboardEvent): void {
    const moved = this.marking ? movedCursor(e, this.#cursor, index) : null;
    if (moved) {
      e.preventDefault();
      this.#cursor = moved;
      this.requestUpdate();
    } else if (
      (e.key === "Delete" || e.key === "Backspace") && this.#marks.pointsOn(this.#current, index).length
    ) {
      e.preventDefault();
      this.#removePoint(index, this.#marks.pointsOn(this.#current, index).length - 1);
    }
  }

  #toggle(index: number): void {
    this.#marks.toggle(this.#current, index);
    this.#selectionChanged();
  }

  #addPoint(index: number, point: Point): void {
    this.#marks.addPoint(this.#current, index, point);
    this.#selectionChanged();
  }

  #removePoint(index: number, pointIndex: number): void {
    this.#marks.removePoint(this.#current, index, pointIndex);
    this.#selectionChanged();
    // Keep keyboard focus in the tile once its point button is gone.
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(`[part~="image-button"][data-index="${index}"]`)?.focus()
    );
  }

  #selectionChanged(): void {
    this.requestUpdate();
    this.#persist();
    this.#emitSelection();
  }

  #emitSelection(): void {
    this.dispatchEvent(
      new SelectionChangeEvent({
        generation: this.#current,
        selected: this.selected,
        points: this.#marks.pointsOf(this.#current),
      }),
    );
  }

  #toggleMode = (): void => {
    this.#mode = this.#mode === "change" ? "keep" : "change";
    this.#persist();
    this.requestUpdate();
  };

  #onShortcut = (e: KeyboardEvent): void => {
    const action = shortcutOf(e, this.#renderer.busy);
    if (action === "cancel") return this.cancel();
    if (!action) return;
    e.preventDefault();
    void (action === "evolve" ? this.evolve() : action === "redo" ? this.redo() : this.undo());
  };

  // ---- state ------------------------------------------------------------------------------------

  #dropAfter(index: number): void {
    this.#generations = this.#generations.slice(0, index + 1);
    this.#renderer.dropAfter(index);
    this.#marks.dropAfter(index);
  }

  #persist(): void {
    const key = this.#config?.storageKey;
    if (!key || !this.#generations.length) return;
    void saveUiState(key, {
      version: 1,
      prompt: this.prompt,
      current: this.#current,
      selection: this.#marks.selection,
      points: this.#marks.points,
      mode: this.#mode,
      strength: this.#strength,
      radius: this.#radiusValue,
    }).catch((error) => this.#fail("Cannot save the session", error));
  }

  #showError(message: string, cause?: unknown): void {
    this.#runtimeError = message;
    this.requestUpdate();
    this.dispatchEvent(new LatentEvolverErrorEvent({ message, cause }));
  }

  #fail(what: string, error: unknown): void {
    this.#showError(`${what}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}
