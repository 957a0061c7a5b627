// Shared helpers of the element's browser tests. They load the BUILT bundle (dist/, made by
// scripts/build.mjs before web-test-runner runs), so the tests exercise what a site embeds.
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";
import { a11ySnapshot, sendKeys, sendMouse, setViewport } from "@web/test-runner-commands";

/** Throws `message` unless `ok`: the assertion of the element's browser tests. */
export function assert(ok: unknown, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

/** Attributes of a small element on the wasm backend with its own storage key, as most tests use. */
export const wasmElement = (name: string) => ({
  backend: "wasm",
  population: "4",
  seed: "11",
  prompt: "a misty fjord",
  "storage-key": uniqueKey(name),
});

/** The bundle's path; kept in a variable so that `deno check` does not try to resolve dist/. */
const bundle = "/dist/latent-evolver.js";

/** Loads the built bundle once (registers the tag). */
export async function loadBundle(url: string = bundle): Promise<void> {
  await import(url);
}

/**
 * Makes elements start their workers from `url` (the class's `workerUrl`, read at each start) until
 * the returned function puts the bundle's own back.
 *
 * @param url The worker module's URL.
 * @returns Puts the bundle's worker URL back; calling it again does nothing more.
 */
export async function workersFrom(url: string): Promise<() => void> {
  await loadBundle();
  const Ctor = customElements.get("latent-evolver")!;
  const own = Object.getOwnPropertyDescriptor(Ctor, "workerUrl")!;
  Object.defineProperty(Ctor, "workerUrl", { ...own, get: () => url });
  return () => Object.defineProperty(Ctor, "workerUrl", own);
}

/**
 * Waits for an event on a target.
 *
 * @param target The target.
 * @param type The event's name.
 * @param accept Only resolve for events it accepts.
 * @param ms Give up after this long.
 */
export function waitForEvent<E extends Event>(
  target: EventTarget,
  type: string,
  accept: (e: E) => boolean = () => true,
  ms = 45000,
): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, on);
      reject(new Error(`No ${type} event within ${ms} ms`));
    }, ms);
    const on = (e: Event) => {
      if (!accept(e as E)) return;
      clearTimeout(timer);
      target.removeEventListener(type, on);
      resolve(e as E);
    };
    target.addEventListener(type, on);
  });
}

/**
 * Sets the test server's proxy in front of the Deno inference server (web-test-runner.config.mjs):
 * `down` drops every connection, as a server that went away does; `pass` = n lets n more infer
 * requests through and holds later ones until a call without it.
 *
 * @returns The proxy's URL.
 */
export async function serverProxy(options: { down?: boolean; pass?: number } = {}): Promise<string> {
  const query = `down=${options.down ? 1 : 0}${options.pass === undefined ? "" : `&pass=${options.pass}`}`;
  const { url, error } = await (await fetch(`/__le/proxy.json?${query}`, { cache: "no-store" })).json();
  assert(url, `the proxy to the Deno server did not start: ${error}`);
  return url;
}

let counter = 0;

/** A storage key no other test uses. */
export function uniqueKey(name: string): string {
  return `test-${name}-${Date.now()}-${counter++}`;
}

/**
 * Creates the element with attributes, adds it to the page, and waits for its first generation to
 * finish rendering (unless `wait` is false).
 */
export async function mount(
  attributes: Record<string, string>,
  wait = true,
): Promise<LatentEvolverElement> {
  await loadBundle();
  const el = document.createElement("latent-evolver") as LatentEvolverElement;
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  const done = wait ? waitForEvent(el, "le-generation-end", (e: CustomEvent) => !e.detail.cancelled) : null;
  document.body.append(el);
  await done;
  return el;
}

/** The element's shadow root. */
export function shadow(el: HTMLElement): ShadowRoot {
  if (!el.shadowRoot) throw new Error("the element has no shadow root");
  return el.shadowRoot;
}

/** The RGBA pixels of every image of the generation shown. */
export function pixels(el: HTMLElement): Uint8ClampedArray[] {
  return [...shadow(el).querySelectorAll<HTMLCanvasElement>('canvas[part~="image"]')].map((c) =>
    c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data
  );
}

/** The image toggle buttons of the generation shown. */
export function tiles(el: HTMLElement): HTMLButtonElement[] {
  return [...shadow(el).querySelectorAll<HTMLButtonElement>('[part~="image-button"]')];
}

/** The first element of the shadow tree with this part name, or `null`. */
export function part(el: HTMLElement, name: string): HTMLElement | null {
  return shadow(el).querySelector<HTMLElement>(`[part~="${name}"]`);
}

/** The notice's text, with its button's, on one line (`""` without a notice). */
export function noticeText(el: HTMLElement): string {
  return part(el, "notice")?.textContent?.replace(/\s+/g, " ").trim() ?? "";
}

/** The text of the polite live region a screen reader hears. */
export function announced(el: HTMLElement): string {
  return shadow(el).querySelector('[part~="status"] [role="status"]')?.textContent?.trim() ?? "";
}

/** A button of the toolbar or history by its part name. */
export function button(el: HTMLElement, part: string): HTMLButtonElement {
  const b = shadow(el).querySelector<HTMLButtonElement>(`[part~="${part}"]`);
  if (!b) throw new Error(`no button with part ${part}`);
  return b;
}

/**
 * Selects an image of the generation shown and presses Evolve.
 *
 * @returns The `le-generation-end` event of the generation it made.
 */
export async function evolveFrom(el: LatentEvolverElement, index: number): Promise<CustomEvent> {
  const generation = el.generation + 1;
  tiles(el)[index].click();
  const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === generation);
  button(el, "evolve").click();
  return await end;
}

/** The element's session file (what `exportSession()` gives), as bytes. */
export async function sessionBytes(el: LatentEvolverElement): Promise<Uint8Array> {
  return new Uint8Array(await (await el.exportSession()).arrayBuffer());
}

/** True when two byte arrays are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Waits until lit has rendered the latest state. */
export async function settle(el: LatentEvolverElement): Promise<void> {
  await el.updateComplete;
  // A frame, but not forever: a page the browser stops painting (background, a stalled GPU process
  // on a loaded machine) gets no animation frames, and a test would hang to its 120 s timeout.
  await new Promise((r) => {
    requestAnimationFrame(() => r(null));
    setTimeout(r, 1000);
  });
}

/** Waits (up to `ms`, 10 s by default) until `check` holds, looking every 50 ms. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends a real key press through the DevTools protocol (so default actions run, as for a person). */
export async function press(key: string, modifiers: string[] = []): Promise<void> {
  for (const m of modifiers) await sendKeys({ down: m });
  await sendKeys({ press: key });
  for (const m of modifiers) await sendKeys({ up: m });
}

/** Moves the real mouse and clicks at page coordinates. */
export async function clickAt(x: number, y: number, modifiers: string[] = []): Promise<void> {
  for (const m of modifiers) await sendKeys({ down: m });
  await sendMouse({ type: "click", position: [Math.round(x), Math.round(y)] });
  for (const m of modifiers) await sendKeys({ up: m });
}

/** Removes every element the tests added. */
export function cleanup(): void {
  for (const el of document.querySelectorAll("latent-evolver")) el.remove();
}

/** Waits for `done` to hold, a frame at a time, 60 frames at most (then the assertion after it says why). */
export async function frames(done: () => boolean): Promise<void> {
  for (let i = 0; i < 60 && !done(); i++) {
    await new Promise((r) => {
      requestAnimationFrame(r);
      setTimeout(r, 100); // a page the browser stops painting gets no frames
    });
  }
}

/** Runs an axe-core audit (loaded once) on an element. @returns Its violations, `""` when none. */
export async function axeViolations(el: Element): Promise<string> {
  type Axe = { run(ctx: Element): Promise<{ violations: { id: string; help: string; nodes: unknown[] }[] }> };
  const global = globalThis as unknown as { axe?: Axe };
  if (!global.axe) {
    await new Promise<void>((resolve, reject) => {
      const s = document.createElement("script");
      s.src = "/node_modules/axe-core/axe.min.js";
      s.onload = () => resolve();
      s.onerror = () => reject(new Error("axe-core did not load"));
      document.head.append(s);
    });
  }
  const { violations } = await global.axe!.run(el);
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`).join("; ");
}

/** A node of the browser's accessibility tree, as a screen reader gets it (Puppeteer's snapshot). */
export type AccessibleNode = {
  role: string;
  name?: string;
  description?: string;
  disabled?: boolean;
  pressed?: boolean | "mixed";
  children?: AccessibleNode[];
};

/**
 * The page's accessibility tree's nodes (those of interest), flat. The whole page's: rooted at the
 * element, Puppeteer's snapshot gives one node of its shadow tree.
 */
export async function accessibleNodes(): Promise<AccessibleNode[]> {
  const root = await a11ySnapshot({}) as unknown as AccessibleNode | null;
  const flat = (n: AccessibleNode): AccessibleNode[] => [n, ...(n.children ?? []).flatMap(flat)];
  return root ? flat(root) : [];
}

/** What StatusMessages needs of the element, standing in for it: it is updated, and fires le-error. */
export function elementStandIn() {
  return Object.assign(new EventTarget(), {
    addController() {},
    removeController() {},
    requestUpdate() {},
    updateComplete: Promise.resolve(true),
  });
}

/**
 * Runs `test` in a window of the given size, then gives the window its size back. (The element
 * measures what sticks on the window's resize event; headless Chromium may draw no frame, and so
 * report no ResizeObserver change, for seconds: tests that need it measured send that event.)
 *
 * @param size The window's size.
 * @param test What to run in it.
 */
export async function inWindow(
  size: { width: number; height: number },
  test: () => Promise<void>,
): Promise<void> {
  const before = { width: innerWidth, height: innerHeight };
  await setViewport(size);
  try {
    await test();
  } finally {
    await setViewport(before);
  }
}
