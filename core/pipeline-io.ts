/**
 * Checks that a loaded session has the inputs and outputs its manifest's kind promises, so a wrong
 * file fails at load time with a message naming the file and the names, not deep inside a run.
 *
 * @module
 */
import type * as OrtCommon from "onnxruntime-common";
import type { ModelManifest } from "./manifest.ts";

/**
 * Expected tensor: its name, where fixed its dims (`null` = any), and where known its element type:
 * the manifest's dtype (`float32`, `float16`), or the types the pipeline can feed.
 */
export type Expected = { name: string; dims?: (number | null)[]; type?: string | readonly string[] };

/**
 * What a session declares of one of its tensors: element type and shape (a name for a free
 * dimension), or `undefined` for a name it does not have or a value that is no tensor.
 *
 * @param session The session.
 * @param side Whether the name is an input's or an output's.
 * @param name The tensor's name.
 * @returns Its type and shape.
 * @example
 * ```ts
 * import { tensorMetadata } from "./pipeline-io.ts";
 * // tensorMetadata(unet, "input", "timestep")?.type; // "int64"
 * ```
 */
export function tensorMetadata(
  session: OrtCommon.InferenceSession,
  side: "input" | "output",
  name: string,
): { type: string; shape: readonly (number | string)[] } | undefined {
  const m = (side === "input" ? session.inputMetadata : session.outputMetadata)?.find((v) => v.name === name);
  return m?.isTensor ? { type: m.type, shape: m.shape } : undefined;
}

/**
 * Throws a TypeError unless the session has every expected input and output, with matching fixed
 * dims and element types (a float16 model declared float32 would otherwise fail at its first image).
 *
 * @param manifest The model's manifest (for the message).
 * @param key The file's key in the manifest.
 * @param session The session.
 * @param inputs Expected inputs.
 * @param outputs Expected outputs.
 * @example
 * ```ts
 * import { checkSessionIo } from "./pipeline-io.ts";
 * // checkSessionIo(manifest, "decoder", session, [{ name: "latent", dims: [null, 4, 32, 32] }], [{ name: "image" }]);
 * ```
 */
export function checkSessionIo(
  manifest: ModelManifest,
  key: string,
  session: OrtCommon.InferenceSession,
  inputs: Expected[],
  outputs: Expected[],
): void {
  const check = (side: "inputs" | "outputs", expected: Expected[]) => {
    const names = side === "inputs" ? session.inputNames : session.outputNames;
    for (const e of expected) {
      if (!names.includes(e.name)) {
        throw new TypeError(
          `Cannot load model "${manifest.name}": ${key} has ${side} [${
            names.join(", ")
          }], expected ${e.name}`,
        );
      }
      const m = tensorMetadata(session, side === "inputs" ? "input" : "output", e.name);
      if (!m) continue;
      if (typeof e.type === "string" && m.type !== e.type) {
        throw new TypeError(
          `Cannot load model "${manifest.name}": ${key} ${side.slice(0, -1)} ${e.name} is ${m.type}, ` +
            `the manifest says ${e.type} (its dtype)`,
        );
      }
      if (Array.isArray(e.type) && !e.type.includes(m.type)) {
        throw new TypeError(
          `Cannot load model "${manifest.name}": ${key} ${side.slice(0, -1)} ${e.name} is ${m.type}, ` +
            `expected ${e.type.join(" or ")}`,
        );
      }
      if (!e.dims || m.shape.length === 0) continue;
      const bad = m.shape.length !== e.dims.length ||
        e.dims.some((d, i) => d !== null && typeof m.shape[i] === "number" && m.shape[i] !== d);
      if (bad) {
        const want = e.dims.map((d) => d ?? "?").join(",");
        throw new TypeError(
          `Cannot load model "${manifest.name}": ${key} ${
            side.slice(0, -1)
          } ${e.name} has shape [${m.shape}], ` +
            `expected [${want}]`,
        );
      }
    }
  };
  check("inputs", inputs);
  check("outputs", outputs);
}
