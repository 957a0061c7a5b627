// The test side of the framework apps, shared by frameworks.test.ts and upgrade.test.ts: what every
// app renders, loading an app (bundled by the test server), and the framework's event binding heard
// in order.
import type { FrameworkApp, MountApp } from "./app.ts";
import { waitForEvent } from "../helpers.ts";

export const FRAMEWORKS = ["react", "vue", "svelte"] as const;
export const PROMPT = "a misty fjord at dawn";
export const POPULATION = 2;
export const SEED = 7;
/** Bound to the element's `serverToken` (the backend is wasm: it is only read). */
export const TOKEN = "t0ken";

export function assert(ok: unknown, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

export function samePixels(a: Uint8ClampedArray[], b: Uint8ClampedArray[]): boolean {
  return a.length === b.length &&
    a.every((x, i) => x.length === b[i].length && x.every((v, j) => v === b[i][j]));
}

/** Ends of generations as a framework's binding reports them, awaited in order. */
export class EndQueue {
  #seen: CustomEvent[] = [];
  #waiting: ((e: CustomEvent) => void)[] = [];

  constructor(readonly name: string) {}

  /** The handler the app binds to `le-generation-end`. */
  onEnd = (e: Event): void => {
    const next = this.#waiting.shift();
    if (next) next(e as CustomEvent);
    else this.#seen.push(e as CustomEvent);
  };

  /** The next end the binding reported; a clear error if none comes, or only the element saw one. */
  next(el: HTMLElement, ms = 45000): Promise<CustomEvent> {
    const ready = this.#seen.shift();
    if (ready) return Promise.resolve(ready);
    // The element's own event, heard directly, tells a broken binding from an element that never finished.
    const direct = waitForEvent<CustomEvent>(el, "le-generation-end", () => true, ms).then(
      () => true,
      () => false,
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(async () => {
        reject(
          new Error(
            (await direct)
              ? `${this.name}: the element fired le-generation-end but ${this.name}'s binding did not call its handler`
              : `${this.name}: no le-generation-end within ${ms} ms`,
          ),
        );
      }, ms + 100);
      this.#waiting.push((e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  }
}

/** A framework's app rendered into a new container on the page, with the element's errors collected. */
export async function mountFrameworkApp(name: string) {
  // A path in a variable: `deno check` does not try to resolve what the test server builds.
  const url = `/__le/frameworks/${name}.js`;
  const { mountApp } = (await import(url)) as { mountApp: MountApp };
  const container = document.createElement("div");
  document.body.append(container);
  const errors: string[] = [];
  container.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
  const ends = new EndQueue(name);
  const app: FrameworkApp = await mountApp(container, {
    prompt: PROMPT,
    population: POPULATION,
    seed: SEED,
    serverToken: TOKEN,
    onEnd: ends.onEnd,
  });
  return {
    app,
    container,
    errors,
    ends,
    element: app.element as HTMLElement & { prompt: string; serverToken: string | null },
  };
}
