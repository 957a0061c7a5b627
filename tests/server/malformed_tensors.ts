// Inference requests in JSON whose tensors or parameters are malformed, each with the 400 error the
// server must answer, naming the problem: inputs missing, unknown or given twice, a datatype, shape
// or data that does not fit the model, a prompt that is not one string, outputs and parameters it
// does not take. malformed.test.ts sends them, with the requests malformed at the HTTP and binary
// levels.
import { randomLatents } from "./server_helpers.ts";

/** A malformed request, and the status and error message the server must answer it with. */
export interface Case {
  name: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  status: number;
  error: RegExp;
}

/** The text of a JSON body. */
export function jsonBody(value: unknown): string {
  return JSON.stringify(value);
}

const latents1 = Array.from(randomLatents(1, 9));
/** The inputs of a good request: one latent of the fake model's shape, and a prompt. */
export const goodInputs = [
  { name: "latents", datatype: "FP32", shape: [1, 4, 8, 8], data: latents1 },
  { name: "prompt", datatype: "BYTES", shape: [1], data: ["cat"] },
];
/** A good request with input `i` patched. */
function withInput(i: number, patch: Record<string, unknown>) {
  return { inputs: goodInputs.map((t, j) => (j === i ? { ...t, ...patch } : t)) };
}

/** Tensors and parameters that are malformed, in a JSON request. */
export const TENSOR_CASES: Case[] = [
  {
    name: "inputs missing",
    body: jsonBody({ id: "x" }),
    status: 400,
    error: /"inputs" must be a non-empty array/,
  },
  {
    name: "missing latents",
    body: jsonBody({ inputs: [goodInputs[1]] }),
    status: 400,
    error: /missing input "latents"/,
  },
  {
    name: "missing prompt",
    body: jsonBody({ inputs: [goodInputs[0]] }),
    status: 400,
    error: /missing input "prompt"/,
  },
  {
    name: "unknown input",
    body: jsonBody({ inputs: [...goodInputs, { name: "seed", datatype: "INT32", shape: [1], data: [1] }] }),
    status: 400,
    error: /unknown input "seed"/,
  },
  {
    name: "wrong latents datatype",
    body: jsonBody(withInput(0, { datatype: "FP64" })),
    status: 400,
    error: /must be FP32, got FP64/,
  },
  {
    name: "unknown datatype",
    body: jsonBody(withInput(0, { datatype: "FLOAT" })),
    status: 400,
    error: /unknown datatype "FLOAT"/,
  },
  {
    name: "wrong prompt datatype",
    body: jsonBody(withInput(1, { datatype: "UINT8", data: [1] })),
    status: 400,
    error: /"prompt" must be BYTES/,
  },
  {
    name: "shape not the model's",
    body: jsonBody(withInput(0, { shape: [1, 4, 16, 4] })),
    status: 400,
    error: /shape \[-1,4,8,8\], got \[1,4,16,4\]/,
  },
  {
    name: "shape of rank 3",
    body: jsonBody(withInput(0, { shape: [4, 8, 8] })),
    status: 400,
    error: /shape \[-1,4,8,8\]/,
  },
  {
    name: "zero latents",
    body: jsonBody(withInput(0, { shape: [0, 4, 8, 8], data: [] })),
    status: 400,
    error: /holds no latents/,
  },
  {
    name: "negative dimension",
    body: jsonBody(withInput(0, { shape: [-1, 4, 8, 8] })),
    status: 400,
    error: /non-negative integers/,
  },
  {
    name: "fractional dimension",
    body: jsonBody(withInput(0, { shape: [1.5, 4, 8, 8] })),
    status: 400,
    error: /non-negative integers/,
  },
  {
    name: "data count mismatch",
    body: jsonBody(withInput(0, { data: latents1.slice(1) })),
    status: 400,
    error: /needs 256 elements, got 255/,
  },
  {
    name: "string in FP32 data",
    body: jsonBody(withInput(0, { data: ["1", ...latents1.slice(1)] })),
    status: 400,
    error: /must be a number/,
  },
  {
    name: "null in FP32 data",
    body: jsonBody(withInput(0, { data: [null, ...latents1.slice(1)] })),
    status: 400,
    error: /must be a number/,
  },
  {
    name: "two prompts",
    body: jsonBody(withInput(1, { shape: [2], data: ["a", "b"] })),
    status: 400,
    error: /must hold 1 element/,
  },
  {
    name: "number as prompt",
    body: jsonBody(withInput(1, { data: [5] })),
    status: 400,
    error: /must be a string/,
  },
  {
    name: "parameters not an object",
    body: jsonBody({ inputs: goodInputs, parameters: [1] }),
    status: 400,
    error: /"parameters" must be an object/,
  },
  {
    name: "unknown output",
    body: jsonBody({ inputs: goodInputs, outputs: [{ name: "logits" }] }),
    status: 400,
    error: /unknown output "logits"/,
  },
  {
    name: "bad image_format",
    body: jsonBody({
      inputs: goodInputs,
      outputs: [{ name: "images", parameters: { image_format: "gif" } }],
    }),
    status: 400,
    error: /image_format must be/,
  },
  {
    name: "classification asked",
    body: jsonBody({ inputs: goodInputs, outputs: [{ name: "images", parameters: { classification: 3 } }] }),
    status: 400,
    error: /parameter "classification" is not supported/,
  },
  {
    name: "binary_data as a string",
    body: jsonBody({
      inputs: goodInputs,
      outputs: [{ name: "images", parameters: { binary_data: "true" } }],
    }),
    status: 400,
    error: /output "images": parameter "binary_data" must be a boolean, got string "true"/,
  },
  {
    name: "binary_data_output as a string",
    body: jsonBody({ inputs: goodInputs, parameters: { binary_data_output: "true" } }),
    status: 400,
    error: /parameter "binary_data_output" must be a boolean, got string "true"/,
  },
  {
    name: "output asked twice",
    body: jsonBody({
      inputs: goodInputs,
      outputs: [{ name: "images", parameters: { image_format: "png", binary_data: true } }, {
        name: "images",
      }],
    }),
    status: 400,
    error: /output "images": requested twice/,
  },
  {
    name: "duplicate input",
    body: jsonBody({ inputs: [...goodInputs, goodInputs[1]] }),
    status: 400,
    error: /given twice/,
  },
];
