/**
 * latent-evolver's core: seeded randomness, latents and the evolution operators. Pure TypeScript
 * with no DOM, Deno or Node APIs, so it runs unchanged in the page, the worker, the server and the
 * benchmarks.
 *
 * @module
 */
export * from "./rng.ts";
export * from "./latent.ts";
