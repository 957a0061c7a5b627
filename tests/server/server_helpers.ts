// Starts a real server on a loopback port for tests, builds infer requests, and sends raw requests.
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

/** A server process a test started, and what it printed. */
export interface ServerProcess {
  url: string;
  /** Lines the server printed on stdout so far (its JSON log). */
  lines: string[];
  /** Sends `signal` and waits for the process to end; `output` is everything it printed, for messages. */
  stop(signal: Deno.Signal): Promise<{ code: number; signal: Deno.Signal | null; output: string }>;
  /** Ends the process if it still runs (for `finally`). */
  kill(): Promise<void>;
}

/**
 * Starts a server process and waits for its "listening" log line (30 s at most).
 *
 * @param command The program, `node` or Deno's own path.
 * @param args Its arguments, which must include `--port 0`.
 * @param cwd Its working folder.
 * @returns The running process; a process that ends or stays silent throws with what it printed.
 */
export async function spawnServer(command: string, args: string[], cwd: string): Promise<ServerProcess> {
  const child = new Deno.Command(command, { args, cwd, stdout: "piped", stderr: "piped" }).spawn();
  const lines: string[] = [];
  let stderr = "";
  const listening = Promise.withResolvers<number>();
  const read = async (stream: ReadableStream<Uint8Array>, onText: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }));
  };
  let partial = "";
  const reading = Promise.all([
    read(child.stdout, (text) => {
      const parts = (partial + text).split("\n");
      partial = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line.includes('"msg":"listening"')) listening.resolve(JSON.parse(line).port);
      }
    }),
    read(child.stderr, (text) => stderr += text),
  ]);
  const output = () => `stdout:\n${[...lines, partial].join("\n")}\nstderr:\n${stderr}`;
  let exited = false;
  const status = child.status.then(async (s) => {
    exited = true;
    await reading;
    listening.reject(new Error(`the server ended (${s.signal ?? s.code}) before listening\n${output()}`));
    return s;
  });
  // SIGTERM first: `npm start` (node) passes it on to its server and exits with it. A SIGKILL would
  // leave that server running with our pipes open, and the test waiting for them forever.
  const end = async () => {
    if (!exited) child.kill("SIGTERM");
    const hard = setTimeout(() => exited || child.kill("SIGKILL"), 10_000);
    await status;
    clearTimeout(hard);
  };
  const timer = setTimeout(
    () => listening.reject(new Error(`the server did not start in 30 s\n${output()}`)),
    30_000,
  );
  try {
    const port = await listening.promise;
    return {
      url: `http://127.0.0.1:${port}`,
      lines,
      async stop(signal) {
        child.kill(signal);
        const s = await status;
        return { code: s.code, signal: s.signal, output: output() };
      },
      kill: end,
    };
  } catch (e) {
    await end();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends a GET as raw bytes (a target or Host that `fetch` would normalise or refuse) and returns the
 * whole answer as text, status line first.
 */
export async function rawGet(port: number, target: string, host = "127.0.0.1"): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`GET ${target} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`),
  );
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  for (let i = 0; i < 100; i++) {
    const n = await conn.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  conn.close();
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
}
