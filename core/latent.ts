/**
 * Latents: the random inputs of an image generator, and the basic operations on them.
 *
 * @module
 */

/** A latent's shape, channels-first: `[C, H, W]`. */
export type Shape = readonly [number, number, number];

/** One image's latent: a float32 tensor of shape `[C, H, W]`, row-major, channels-first. */
export type Latent = { shape: Shape; data: Float32Array };

/** A point in normalised image coordinates: x to the right, y down, both in [0, 1]. */
export type Point = { x: number; y: number };
