// React 19 renders <latent-evolver>: values it finds as properties on the element it sets as
// properties (numbers included), `storage-key` as an attribute, and `on` + an event's name as a
// listener of that event.
import { createElement } from "react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";
import { type AppOptions, type MountApp, renderedElement } from "./app.ts";

export const mountApp: MountApp = (container, options) => {
  const root = createRoot(container);
  let state: AppOptions = options;
  const render = () =>
    flushSync(() =>
      root.render(createElement("latent-evolver", {
        prompt: state.prompt,
        population: state.population,
        seed: state.seed,
        serverToken: state.serverToken,
        backend: "wasm",
        "storage-key": "none",
        "onle-generation-end": state.onEnd,
      }))
    );
  render();
  return Promise.resolve({
    element: renderedElement(container),
    setPrompt(prompt: string) {
      state = { ...state, prompt };
      render();
      return Promise.resolve();
    },
    unmount: () => root.unmount(),
  });
};
