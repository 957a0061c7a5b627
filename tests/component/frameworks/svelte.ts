// Mounts Evolver.svelte (compiled by the test server's bundler) with Svelte 5's `mount`.
import { flushSync, mount, unmount } from "svelte";
// @ts-ignore: a .svelte file, compiled by the test server; deno check cannot read it.
import Evolver from "./Evolver.svelte";
import { type MountApp, renderedElement } from "./app.ts";

export const mountApp: MountApp = (container, options) => {
  const app = mount(Evolver, {
    target: container,
    props: {
      initialPrompt: options.prompt,
      population: options.population,
      seed: options.seed,
      serverToken: options.serverToken,
      onEnd: options.onEnd,
    },
  }) as { setPrompt(value: string): void };
  flushSync();
  return Promise.resolve({
    element: renderedElement(container),
    setPrompt(value: string) {
      app.setPrompt(value);
      flushSync();
      return Promise.resolve();
    },
    unmount: () => void unmount(app),
  });
};
