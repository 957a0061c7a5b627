/**
 * What each framework's test app (react.ts, vue.ts, svelte.ts) gives frameworks.test.ts. Each app
 * renders `<latent-evolver>` the way that framework's users write it (the README's snippets): values
 * bound from the framework's state, typed as the framework passes them (numbers stay numbers), and
 * the element's events handled through the framework's own event binding.
 *
 * The test server bundles each app with its framework (esbuild: React ships CommonJS only and
 * Svelte components need compiling); see web-test-runner.config.mjs.
 *
 * @module
 */

/** What the test asks an app to render. */
export interface AppOptions {
  prompt: string;
  population: number;
  seed: number;
  /**
   * Bound as `serverToken`, camelCase, as React's JSX types offer it: on a tag not defined yet a
   * framework writes it as an attribute, which HTML lowercases to `servertoken`.
   */
  serverToken: string;
  /** Called by the framework's binding of `le-generation-end`. */
  onEnd: (event: Event) => void;
}

/** A mounted app. */
export interface FrameworkApp {
  /** The `<latent-evolver>` the framework rendered. */
  element: HTMLElement;
  /** Changes the prompt in the framework's state and lets the framework update the element. */
  setPrompt(prompt: string): Promise<void>;
  /** Unmounts the app the framework's way. */
  unmount(): void;
}

/** Every app module exports this. */
export type MountApp = (container: HTMLElement, options: AppOptions) => Promise<FrameworkApp>;

/** The element an app rendered, or a clear error. */
export function renderedElement(container: HTMLElement): HTMLElement {
  const el = container.querySelector<HTMLElement>("latent-evolver");
  if (!el) throw new Error(`the app rendered no <latent-evolver>: ${container.innerHTML}`);
  return el;
}
