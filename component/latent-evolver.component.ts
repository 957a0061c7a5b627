import { LitElement, type PropertyValues, type TemplateResult } from "lit";
import { assetUrl, defaultAssetBase } from "./asset-base.ts";
import { styles } from "./latent-evolver.styles.ts";
import type { BackendName } from "./worker/protocol.ts";
import { saveBlob, sessionBlob } from "./export-files.ts";
import { type ElementParts, elementParts } from "./element-parts.ts";
import { LOWERCASED_ATTRIBUTES, lowercasedAttribute, markingAttribute } from "./framework-attributes.ts";
import { propertiesChanged } from "./property-changes.ts";

/**
 * An embeddable interactive evolution of image-generator latents: a grid of images made from a
 * prompt and random latents; the person selects favourites and marks regions, and Evolve breeds the
 * next batch from those choices. Inference runs in a worker on WebGPU, a server or wasm.
 *
 * @tag latent-evolver
 *
 * @fires {SelectionChangeEvent} le-selection-change - Selection or marked points changed.
 * @fires {PromptChangeEvent} le-prompt-change - The person typed in the prompt field, or a reload restored their prompt.
 * @fires {GenerationStartEvent} le-generation-start - A generation started rendering.
 * @fires {GenerationProgressEvent} le-generation-progress - One more image is shown.
 * @fires {GenerationEndEvent} le-generation-end - A generation finished or was cancelled.
 * @fires {BackendEvent} le-backend - The backend that runs the model was chosen; again when it failed while rendering and another took over (auto only).
 * @fires {LatentEvolverErrorEvent} le-error - A bad attribute, a model that fails to load, a failed render.
 *
 * @csspart toolbar - The bar with the prompt and the buttons.
 * @csspart prompt - The prompt field.
 * @csspart button - Every button; each also has its own: `evolve`, `new-batch`, `mark`, `undo`, `redo`, `cancel`, `export`, `import`, `save`, `generation`, `retry`, `dismiss`, `use-here`, `render-rest`, `notice-action`, `footer-evolve`, `stop-marking`.
 * @csspart mode - Change or Keep for the marked regions: two radio buttons, each with the colour of the points it gives.
 * @csspart mode-option - One of them (also `change` or `keep`): a label around its radio button.
 * @csspart grid - The grid of images.
 * @csspart tile - One image with its points and lineage.
 * @csspart placeholder - A tile's empty stand-in while the model loads (also `tile`).
 * @csspart image-button - The toggle button around an image.
 * @csspart image - The canvas an image is drawn on.
 * @csspart point - A marked point (a button that removes it).
 * @csspart cursor - The keyboard marker while marking points.
 * @csspart region - The square Evolve changes or keeps around a point (one image selected).
 * @csspart strength-value - The strength slider's value.
 * @csspart radius-value - The radius slider's value.
 * @csspart marking-hint - The line over the grid while marking points: what a click does and how to stop.
 * @csspart lineage - The line under an image saying where it came from.
 * @csspart history - The strip of earlier generations.
 * @csspart generations-label - The history's Generations label, before its buttons.
 * @csspart footer-bar - The strip pinned to the window's bottom where the toolbar does not stick (a phone): its own Evolve (once the toolbar's is scrolled out of view), the counts and the marking state, on one line.
 * @csspart footer-marks - Its counts: how many images are selected and points marked, cut short rather than wrapped.
 * @csspart footer-marking - Its Marking points, beside the Stop button, while marking.
 * @csspart status - Backend, progress bars and messages.
 * @csspart server-retry - In the status, that the image server is not answering (or busy) and is tried again, while it is.
 * @csspart marks - How many images of the generation shown are selected and points marked.
 * @csspart saved-elsewhere - The note that another tab saves this session, so this one does not, with its Use here button.
 * @csspart cancelled - How many images a cancelled render left out, with its Render the rest button.
 * @csspart notice - What the last action did (an import, later generations replaced), with a button that undoes it where it can; or that Evolve needs a selection.
 * @csspart error - A box of errors: the attribute problems (with Dismiss), or the last action's error (with Try again where it can be tried again, else Dismiss).
 * @csspart error-details - In the last action's error box, the developer's message behind an error said in plain words, folded under "Details".
 *
 * @cssproperty [--le-gap=0.5rem] - Space between tiles and controls.
 * @cssproperty [--le-tile-size=160px] - Smallest tile width.
 * @cssproperty [--le-accent=light-dark(#0b57d0, #8ab4f8)] - Accent: selection, focus, primary button.
 * @cssproperty [--le-radius=8px] - Corner radius.
 * @cssproperty [--le-change=#d93025] - Points and squares of regions the next generation changes.
 * @cssproperty [--le-keep=#1e8e3e] - Points and squares of regions the next generation keeps.
 * @cssproperty [--le-sticky-top=0px] - Where the toolbar sticks while the page scrolls (below a page's own sticky header).
 */
export class LatentEvolverElement extends LitElement {
  static override styles = styles;
  static override properties = {
    prompt: { type: String },
    model: { type: String },
    server: { type: String },
    serverToken: { type: String, attribute: "server-token" },
    backend: { type: String },
    population: { type: String },
    seed: { type: String },
    columns: { type: String },
    mutationStrength: { type: String, attribute: "mutation-strength" },
    radius: { type: String },
    storageKey: { type: String, attribute: "storage-key" },
    marking: { type: Boolean, reflect: true, converter: markingAttribute },
  };

  /**
   * URL of the folder with the build's files: the worker module, onnxruntime's wasm beside it, and
   * `models/builtin/`. By default the folder this bundle was loaded from (dist/); `""`, none, where
   * the page cannot load from there (a blob: URL, or the build machine's file: path that webpack
   * writes for `import.meta.url`). A bundler that moves the bundle's code into its own chunks (Vite,
   * webpack, esbuild) leaves those files behind: copy dist/ where the site serves it and set this,
   * before the element starts (read at each start).
   *
   * @example
   * ```ts
   * import { LatentEvolverElement } from "latent-evolver";
   * LatentEvolverElement.assetBase = "/latent-evolver/"; // dist/ copied to public/latent-evolver/
   * ```
   */
  static assetBase: string = defaultAssetBase();
  /** URL of the worker module, in {@link assetBase}. */
  static get workerUrl(): string {
    return assetUrl(this.assetBase, "latent-evolver.worker.js");
  }
  /** URL of the built-in model's manifest (used when `model` is not set), in {@link assetBase}. */
  static get builtinModelUrl(): string {
    return assetUrl(this.assetBase, "models/builtin/manifest.json");
  }

  /**
   * The prompt the images are rendered with. Editing it re-renders the current latents. A value that
   * is not text reads as its text; `null` and `undefined` as the empty prompt.
   */
  declare prompt: string;
  /** URL of a model manifest; defaults to the built-in model. */
  declare model: string | null;
  /** Base URL of an Open Inference Protocol server. */
  declare server: string | null;
  /** Bearer token for the server (its `--token`); sent with every request to it, never stored. */
  declare serverToken: string | null;
  /** `auto` (default), `webgpu`, `wasm` or `server`. */
  declare backend: string | null;
  /** Images per generation, 1 to 64 (default 8). Like every numeric property, a number or its text. */
  declare population: string | number | null;
  /** Seed of the session; the same seed gives the same first batch. */
  declare seed: string | number | null;
  /** Grid columns; by default as many as fit. */
  declare columns: string | number | null;
  /** Mutation strength, 0.05 to 3 (default 1). */
  declare mutationStrength: string | number | null;
  /** Radius of a marked region, 0.02 to 0.5 of the image (default 0.15). */
  declare radius: string | number | null;
  /** IndexedDB namespace of the session; `none` disables persistence (default `default`). */
  declare storageKey: string | null;
  /** True while clicks mark points instead of selecting. */
  declare marking: boolean;

  /** The parts the element is made of, wired to each other (element-parts.ts). */
  #parts: ElementParts = elementParts(this, {
    workerUrl: () => LatentEvolverElement.workerUrl,
    builtinModelUrl: () => LatentEvolverElement.builtinModelUrl,
  });

  /** The attributes of {@link properties}, and their lowercased camelCase names (framework-attributes.ts). */
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, ...LOWERCASED_ATTRIBUTES];
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    const lowercased = lowercasedAttribute(name);
    if (!lowercased) return super.attributeChangedCallback(name, old, value);
    const [property, attribute] = lowercased;
    // Where both are written, the kebab-case attribute is the one that counts.
    if (!this.hasAttribute(attribute)) this[property] = value;
  }

  constructor() {
    super();
    this.prompt = "";
    this.marking = false;
    // On the host, so the shortcuts work wherever the focus is inside the element (history strip,
    // error's Try again), not only in the toolbar and the grid.
    this.addEventListener("keydown", this.#parts.view.onShortcut);
  }

  /** Selected image indices of the generation shown. */
  get selected(): number[] {
    return this.#parts.session.history.selected;
  }

  /** The backend in use, or `null` before one is chosen. */
  get activeBackend(): BackendName | null {
    return this.#parts.engine.backend;
  }

  /** Index of the generation shown. */
  get generation(): number {
    return this.#parts.session.history.current;
  }

  /** Number of generations in the session. */
  get generationCount(): number {
    return this.#parts.session.history.generations.length;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    propertiesChanged(this, changed, this.#parts);
  }

  override render(): TemplateResult {
    return this.#parts.view.render();
  }

  protected override updated(): void {
    this.#parts.session.renderer.draw(this.renderRoot, this.#parts.session.history.current);
    this.#parts.actions.revealShown();
    this.#parts.actions.updated();
  }

  /**
   * Breeds the next generation from the selection and points, and renders it.
   *
   * @param fresh True for a new batch of fresh diverse latents instead.
   * @returns When the new generation is rendered (or replaced/cancelled).
   */
  evolve(fresh = false): Promise<void> {
    return this.#parts.actions.evolve(fresh);
  }

  /** Replaces the shown generation's successors with a batch of fresh diverse latents. */
  newBatch(): Promise<void> {
    return this.evolve(true);
  }

  /** Shows the previous generation. */
  undo(): Promise<void> {
    return this.showGeneration(this.#parts.session.history.current - 1);
  }

  /** Shows the next generation, after an undo. */
  redo(): Promise<void> {
    return this.showGeneration(this.#parts.session.history.current + 1);
  }

  /**
   * Shows an earlier (or later) generation of the history, rendering it if needed: only the
   * generations visited last keep their images, the others are rendered again from their latents.
   *
   * @param index Generation index.
   */
  showGeneration(index: number): Promise<void> {
    return this.#parts.actions.show(index);
  }

  /**
   * Ends the worker and starts a new one, which restores the session from storage: what happens
   * when the worker dies, on demand (for example to free the model's memory). Without storage
   * (`storage-key="none"`) a new session starts.
   *
   * @returns When the new worker has rendered the generation shown.
   */
  restartWorker(): Promise<void> {
    return this.#parts.engine.restart();
  }

  /**
   * Cancels the generation being rendered; pressed while an Evolve breeds, the render of what it
   * breeds (none of its images shows, and the element offers to render them).
   */
  cancel(): void {
    this.#parts.actions.cancel();
  }

  /**
   * The image as a PNG whose `tEXt` chunks carry its genome (prompt, model, seed, lineage). An
   * image still rendering is waited for, one whose render was cancelled is rendered again (refused
   * while an import or Bring back is on its way: the session shown is on its way out).
   *
   * @param index Image index in the generation shown.
   * @returns The PNG.
   */
  exportImage(index: number): Promise<Blob> {
    const { config, modelName, seed } = this.#parts.engine;
    const made = { prompt: this.prompt, model: config?.model ?? "", modelName, seed };
    return this.#parts.actions.imagePng(index, made);
  }

  /**
   * Downloads an image as PNG with its genome, as {@link exportImage} makes it: an image shown
   * whole is saved while an import or Bring back is on its way, one that would have to be rendered
   * first is refused then.
   *
   * @param index Image index.
   */
  async downloadImage(index: number): Promise<void> {
    // Numbered from 1, as the element shows generations and images.
    const name = `latent-evolver-g${this.#parts.session.history.current + 1}-${index + 1}.png`;
    saveBlob(await this.exportImage(index), name);
  }

  /**
   * The whole session as a file (core's versioned binary format), with the selection, points and
   * settings of its last generation, which an import shows again.
   *
   * @returns The file.
   */
  async exportSession(): Promise<Blob> {
    const api = this.#parts.engine.api;
    if (!api) throw new TypeError("Cannot export the session: the element has not started");
    return sessionBlob(await api.exportSession(this.#parts.session.pending()));
  }

  /** Downloads the session file. */
  async downloadSession(): Promise<void> {
    saveBlob(await this.exportSession(), "latent-evolver-session.bin");
  }

  /**
   * Replaces the session with one from a file made by {@link exportSession}; the notice's Bring back
   * puts the session it replaced back, until the session next changes.
   *
   * @param file The session file.
   */
  importSession(file: Blob): Promise<void> {
    return this.#parts.actions.importFile(file);
  }

  /**
   * Continues the session in this tab while another tab saves it (the note's Use here button): this
   * tab saves from now on, and the other one shows the note. If the other tab saved newer work since
   * this one loaded the session, that newer session is shown here first.
   */
  async useHere(): Promise<void> {
    await this.#parts.engine.useHere();
  }
}
