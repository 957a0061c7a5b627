/**
 * The message types of the Open Inference Protocol (KServe v2) codec: requests, responses, their
 * tensors and parameters, and the binary-extension header name. `core/wire.ts` encodes and decodes
 * them and re-exports every name here.
 *
 * @module
 */

import type { Datatype, TensorData } from "./wire-tensor.ts";

/** The HTTP header that holds the byte length of the JSON part of a binary-extension body. */
export const HEADER_LENGTH_HEADER = "Inference-Header-Content-Length";

/** Request, response, input or output parameters: flat scalars. */
export type InferParameters = Record<string, string | number | boolean>;

/** One named tensor of a request's inputs or a response's outputs. */
export interface InferTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
  parameters?: InferParameters;
}

/** A tensor as its JSON header gives it, before its data is read. */
export type InferTensorHeader = Omit<InferTensor, "data">;

/** An output the client asks for, with options such as `binary_data`. */
export interface InferRequestedOutput {
  name: string;
  parameters?: InferParameters;
}

/** `POST /v2/models/{name}/infer` body. */
export interface InferRequest {
  id?: string;
  parameters?: InferParameters;
  inputs: InferTensor[];
  outputs?: InferRequestedOutput[];
}

/** The infer response body. */
export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: InferParameters;
  outputs: InferTensor[];
}

/** An encoded message: the HTTP body and the headers that must go with it. */
export interface EncodedMessage {
  body: Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}
