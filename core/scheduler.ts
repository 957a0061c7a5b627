/**
 * The one-step Euler schedule SD-Turbo is run with (as in onnxruntime-web's SD-Turbo example): the
 * latent is scaled to the noise level of the last training timestep, the UNet predicts the noise, and
 * one Euler step to sigma 0 gives the clean latent, which is scaled for the VAE.
 *
 * @module
 */

/** Noise level of timestep 999 in SD's scaled-linear schedule. */
export const SD_TURBO_SIGMA = 14.6146;
/** The timestep the UNet is told (int64 input). */
export const SD_TURBO_TIMESTEP = 999;
/** SD's VAE latent scaling factor. */
export const VAE_SCALING = 0.18215;

/**
 * The UNet's input for a unit-variance latent: `z = latent * sigma`, scaled by `1 / sqrt(sigma^2 + 1)`.
 *
 * @param latent N(0,1) latent values.
 * @param sigma Noise level (default {@link SD_TURBO_SIGMA}).
 * @returns A new array.
 * @example
 * ```ts
 * import { unetInput } from "./scheduler.ts";
 * unetInput(new Float32Array([1]))[0]; // 14.6146 / sqrt(14.6146 ** 2 + 1) ~ 0.99767
 * ```
 */
export function unetInput(latent: Float32Array, sigma = SD_TURBO_SIGMA): Float32Array {
  const k = sigma / Math.sqrt(sigma * sigma + 1);
  const out = new Float32Array(latent.length);
  for (let i = 0; i < latent.length; i++) out[i] = latent[i] * k;
  return out;
}

/**
 * One Euler step to sigma 0, then the VAE scaling: `(latent * sigma - sigma * noise) / 0.18215`.
 *
 * @param latent The same N(0,1) latent given to {@link unetInput}.
 * @param noise The UNet's predicted noise.
 * @param sigma Noise level (default {@link SD_TURBO_SIGMA}).
 * @returns The VAE decoder's input.
 * @example
 * ```ts
 * import { vaeInput } from "./scheduler.ts";
 * vaeInput(new Float32Array([1]), new Float32Array([0.5]))[0]; // 14.6146 * 0.5 / 0.18215 ~ 40.117
 * ```
 */
export function vaeInput(latent: Float32Array, noise: Float32Array, sigma = SD_TURBO_SIGMA): Float32Array {
  if (noise.length !== latent.length) {
    throw new RangeError(
      `Cannot take the Euler step: noise has ${noise.length} values, latent ${latent.length}`,
    );
  }
  const out = new Float32Array(latent.length);
  for (let i = 0; i < latent.length; i++) out[i] = (latent[i] * sigma - sigma * noise[i]) / VAE_SCALING;
  return out;
}
