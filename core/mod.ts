/**
 * latent-evolver's core: seeded randomness, latents and the evolution operators. Pure TypeScript
 * with no DOM, Deno or Node APIs, so it runs unchanged in the page, the worker, the server and the
 * benchmarks.
 *
 * @module
 */
export * from "./rng.ts";
export * from "./latent.ts";
export * from "./diversity.ts";
export * from "./crossover.ts";
export * from "./region-crossover.ts";
export * from "./mutation.ts";
export * from "./surrogate.ts";
export * from "./lineage.ts";
export * from "./feedback.ts";
export * from "./evolution.ts";
export * from "./session.ts";
export * from "./image.ts";
export * from "./manifest.ts";
export * from "./pipeline.ts";
export * from "./style.ts";
export * from "./scheduler.ts";
export * from "./fp16.ts";
export * from "./tokenizer.ts";
export * from "./wire.ts";
