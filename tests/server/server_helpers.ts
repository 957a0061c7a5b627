// Starts a real server on a loopback port for tests, and builds infer requests.
import { createRng } from "../../core/rng.ts";
import { encodeInferRequest, type InferRequest } from "../../core/wire.ts";
import { createHandler, type Handler, type HandlerOptions } from "../../server/handler.ts";

export interface TestServer {
  url: string;
  handler: Handler;
  server: Deno.HttpServer<Deno.NetAddr>;
  close(): Promise<void>;
}

export function startTestServer(options: HandlerOptions): TestServer {
  const handler = createHandler(options);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler.handle);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    handler,
    server,
    close: () => server.shutdown(),
  };
}

export function randomLatents(n: number, seed: number, shape = [4, 8, 8]): Float32Array {
  const rng = createRng(seed);
  return rng.fillNormal(new Float32Array(n * shape[0] * shape[1] * shape[2]));
}

export function inferRequest(
  latents: Float32Array,
  n: number,
  prompt = "a cat",
  shape = [4, 8, 8],
): InferRequest {
  return {
    inputs: [
      { name: "latents", datatype: "FP32", shape: [n, ...shape], data: latents },
      { name: "prompt", datatype: "BYTES", shape: [1], data: [new TextEncoder().encode(prompt)] },
    ],
  };
}

export async function postInfer(
  base: string,
  request: InferRequest,
  options: { binary?: boolean; model?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  const { body, headers } = encodeInferRequest(request, {
    binary: options.binary,
    binaryOutputs: options.binary,
  });
  return await fetch(`${base}/v2/models/${options.model ?? "fake"}/infer`, {
    method: "POST",
    body,
    headers: { ...headers, ...options.headers },
    signal: options.signal,
  });
}

export async function metricValue(
  base: string,
  name: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, { headers })).text();
  const line = text.split("\n").find((l) => l.startsWith(name + " ") || l === name);
  return line ? Number(line.slice(name.length + 1)) : NaN;
}
