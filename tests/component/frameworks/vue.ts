// Vue 3 renders <latent-evolver> from a template, as the README shows: the compiler is told the tag
// is a custom element, `:name` binds a value (as a property when the element has one), `@event`
// listens to the element's event.
import { createApp, nextTick, ref } from "vue/dist/vue.esm-bundler.js";
import { type MountApp, renderedElement } from "./app.ts";

export const mountApp: MountApp = async (container, options) => {
  const prompt = ref(options.prompt);
  const { population, seed, serverToken, onEnd } = options;
  const app = createApp({
    setup: () => ({ prompt, population, seed, serverToken, onEnd }),
    template: `<latent-evolver :prompt="prompt" :population="population" :seed="seed" backend="wasm"
      :serverToken="serverToken" storage-key="none" @le-generation-end="onEnd" />`,
  });
  app.config.compilerOptions.isCustomElement = (tag: string) => tag === "latent-evolver";
  app.mount(container);
  await nextTick();
  return {
    element: renderedElement(container),
    async setPrompt(value: string) {
      prompt.value = value;
      await nextTick();
    },
    unmount: () => app.unmount(),
  };
};
