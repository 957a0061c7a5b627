// Checked by `deno check` (the type check of `npm test`), never run: React's JSX accepts the
// element with the types of component/react-jsx.ts, and rejects wrong ones.
import type {} from "../../../component/react-jsx.ts";

export const ok = (
  <latent-evolver
    prompt="a misty fjord"
    population={8}
    seed="7"
    backend="wasm"
    storage-key="none"
    onle-generation-end={(e) => console.log(e.detail.generation, e.detail.done)}
    onle-error={(e) => console.log(e.detail.message)}
  />
);

// @ts-expect-error: not a backend
export const badBackend = <latent-evolver backend="gpu" />;
// @ts-expect-error: a population is a number or its text
export const badPopulation = <latent-evolver population={{ n: 8 }} />;
// @ts-expect-error: the end event has no `detail.message`
export const badEvent = <latent-evolver onle-generation-end={(e) => e.detail.message} />;
