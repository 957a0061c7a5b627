/**
 * The inference server's entry point: reads flags and environment, loads the models (each in its own
 * worker thread) on the first onnxruntime execution provider that works, serves the handler with `Deno.serve`, logs one JSON
 * line per event, and on SIGINT or SIGTERM (SIGBREAK on Windows) stops accepting, finishes what is in flight and exits.
 *
 * ```sh
 * deno run -A server/main.ts --host 0.0.0.0 --port 8000 --origins https://example.com
 * ```
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { helpText, parseConfig, type ServerConfig } from "./config.ts";
import { createHandler, type Handler } from "./handler.ts";
import { HttpError } from "./http.ts";
import { isLoopback } from "./security.ts";
import type { LoadedModel } from "./load.ts";
import type { ServedModel } from "./model.ts";
import { loadModelsInWorkers } from "./worker-models.ts";
import { checkProviderNames, type ProviderProbe, systemProbe, usableProviders } from "./providers.ts";

/** A structured log line: JSON with a time, a level and a message. */
export function log(
  level: "info" | "warn" | "error",
  msg: string,
  fields: Record<string, unknown> = {},
): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  if (level === "info") console.log(line);
  else console.error(line);
}

/** A started server. */
export interface RunningServer {
  server: Deno.HttpServer<Deno.NetAddr>;
  handler: Handler;
  /**
   * Turns ready to 503 (new infer requests too) and keeps answering for `drainMs`, so that a load
   * balancer's health check sees it; then stops accepting, waits for in-flight requests, releases
   * the models.
   */
  shutdown(): Promise<void>;
}

/**
 * Starts serving already-loaded models with a configuration.
 *
 * @param config The configuration.
 * @param models The models.
 * @param options `quiet` turns off the per-request log lines (errors answered 500 are logged still);
 *   `dispose` runs after shutdown.
 * @returns The running server.
 * @example
 * ```ts
 * const running = startServer(config, [model]);
 * await running.shutdown();
 * ```
 */
export function startServer(
  config: ServerConfig,
  models: readonly ServedModel[],
  options: { quiet?: boolean; dispose?: () => Promise<void> } = {},
): RunningServer {
  const handler = createHandler({
    ...config,
    models,
    log: options.quiet ? undefined : (record) => log("info", "request", record),
    onError: (error, request) =>
      log("error", "internal error", {
        ...request,
        error: error instanceof Error ? error.message : String(error),
        ...(error instanceof Error && !(error instanceof HttpError) ? { stack: error.stack } : {}),
      }),
  });
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: (addr) => {
      log("info", "listening", {
        url: `http://${addr.hostname}:${addr.port}/`,
        port: addr.port,
        models: models.map((m) => ({ name: m.name, executionProvider: m.executionProvider })),
        batching: config.batching,
        maxBatch: config.maxBatch,
        maxQueue: config.maxQueue,
        auth: config.token !== undefined,
        origins: config.allowedOrigins,
        hosts: config.allowedHosts.includes("*")
          ? "any"
          : ["IP addresses", "localhost", ...config.allowedHosts],
      });
    },
  }, handler.handle);
  let closing: Promise<void> | undefined;
  return {
    server,
    handler,
    shutdown() {
      closing ??= (async () => {
        handler.drain();
        if (config.drainMs > 0) await new Promise((resolve) => setTimeout(resolve, config.drainMs));
        await server.shutdown();
        await handler.batcher.idle();
        await options.dispose?.();
      })();
      return closing;
    },
  };
}

async function main(): Promise<number> {
  const root = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
  let config: ServerConfig | "help";
  try {
    config = parseConfig(Deno.args, (k) => Deno.env.get(k), root);
  } catch (e) {
    log("error", (e as Error).message);
    return 2;
  }
  if (config === "help") {
    console.log(helpText());
    return 0;
  }
  if (!isLoopback(config.host) && config.allowedHosts.includes("*") && config.token === undefined) {
    log(
      "warn",
      "not loopback, any Host and no token: a page could drive this server through DNS rebinding",
      {
        hint: "name the host names clients use with --allowed-hosts, or set LE_TOKEN",
      },
    );
  }
  if (config.token !== undefined && Deno.args.some((a) => a.startsWith("--token"))) {
    log(
      "warn",
      "the token was given as a flag, which other users can see in the process list; prefer LE_TOKEN",
    );
  }
  if (config.providersGiven) {
    try {
      const source = Deno.args.some((a) => a.startsWith("--providers")) ? "--providers" : "LE_PROVIDERS";
      checkProviderNames(config.providers, source);
    } catch (e) {
      log("error", (e as Error).message);
      return 2;
    }
  }
  const providers = chooseProviders(config);
  let loaded: LoadedModel[];
  try {
    loaded = await loadModelsInWorkers(config.modelsDir, providers, config.engine, {
      instances: config.instances,
      // A worker that dies is started again: said, so that a 503 from /v2/health/ready has a cause.
      onWorkerEvent: ({ model, message, error }) => log("error", message, { model, error }),
    });
  } catch (e) {
    log("error", "cannot load models", { dir: config.modelsDir, error: (e as Error).message });
    return 1;
  }
  if (loaded.length === 0) {
    log("error", "no models found", {
      dir: config.modelsDir,
      hint: "each model is a folder with manifest.json",
    });
    return 1;
  }
  const told = new Set<string>();
  for (const l of loaded) {
    // A model also answers to its folder's name: that alias is the same load, told once.
    if (!told.has(l.dir)) logProvidersFailed(providers, l);
    told.add(l.dir);
    log("info", "model loaded", {
      name: l.model.name,
      executionProvider: l.model.executionProvider,
      instances: l.model.concurrency ?? 1,
      dir: l.dir,
    });
  }
  let running: RunningServer;
  const done = Promise.withResolvers<number>();
  let firstSignalAt = 0;
  const onSignal = (signal: Deno.Signal) => {
    // A terminal's Ctrl-C reaches every process of the group, and npm and scripts/start.mjs pass it on
    // too: copies within a second are that same Ctrl-C, not a second request to hurry.
    const now = Date.now();
    if (firstSignalAt !== 0 && now - firstSignalAt < 1000) return;
    if (firstSignalAt !== 0) {
      log("warn", "second signal: exiting without finishing in-flight work", { signal });
      Deno.exit(1);
    }
    firstSignalAt = now;
    log("info", "shutting down: finishing in-flight requests", {
      signal,
      inFlight: running.handler.batcher.active,
    });
    running.shutdown().then(() => {
      log("info", "stopped");
      done.resolve(0);
    }, (e) => {
      log("error", "shutdown failed", { error: String(e) });
      done.resolve(1);
    });
  };
  // Windows has no SIGTERM (Deno throws on listening for it); its console sends SIGBREAK instead.
  // Listened for before the server says it listens: a supervisor may stop it as soon as it reads that.
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, () => onSignal(s));
  try {
    running = startServer(config, loaded.map((l) => l.model), {
      dispose: async () => {
        for (const l of loaded) await l.dispose();
      },
    });
  } catch (e) {
    const hint = e instanceof Deno.errors.AddrInUse
      ? "another process uses this port: pick one with --port"
      : undefined;
    log("error", "cannot listen", {
      host: config.host,
      port: config.port,
      error: (e as Error).message,
      hint,
    });
    return 1;
  }
  return await done.promise;
}

/**
 * The providers worth trying here (see providers.ts), each one passed over logged with why. A list
 * given with `--providers` or `LE_PROVIDERS` is tried as given, even one equal to the default: WebGPU
 * too on a machine that seems to lack a GPU, where it then fails with its own errors, as the owner chose.
 *
 * @param config The providers, and whether they were given.
 * @param probe The system to check (this machine's by default).
 * @returns The providers to try, in order.
 * @example
 * ```ts
 * chooseProviders({ providers: ["webgpu", "cpu"], providersGiven: true }); // ["webgpu", "cpu"]
 * ```
 */
export function chooseProviders(
  config: Pick<ServerConfig, "providers" | "providersGiven">,
  probe: ProviderProbe = systemProbe(),
): string[] {
  const { providers, passedOver } = usableProviders(config.providers, probe, config.providersGiven);
  for (const { provider, reason, hint } of passedOver) {
    log("info", `${provider}: not available (${reason})`, { provider, ...(hint ? { hint } : {}) });
  }
  return providers;
}

/**
 * Says which providers were tried before the one a model loaded on, naming the model (each model
 * tries them on its own), and that onnxruntime's and Dawn's messages about them (a red
 * ONNXRuntimeError, Vulkan warnings) are harmless.
 */
function logProvidersFailed(tried: readonly string[], { model, dir }: LoadedModel): void {
  const chosen = model.executionProvider;
  for (const provider of tried.slice(0, Math.max(0, tried.indexOf(chosen)))) {
    log(
      "info",
      `${provider}: could not load model "${model.name}", so it runs on ${chosen} (its errors above are harmless)`,
      { provider, model: model.name, dir },
    );
  }
}

/** The C library that has `_exit`, per OS. */
const LIBC: Partial<Record<typeof Deno.build.os, string>> = {
  linux: "libc.so.6",
  darwin: "libSystem.B.dylib",
  windows: "ucrtbase.dll",
};

/**
 * Ends the process without the exit-time teardown of the native libraries it loaded. Once the server
 * has stopped there is nothing left to clean up, and that teardown can crash: onnxruntime's WebGPU
 * provider (Dawn) loads a Vulkan driver and unloads it again (on a machine without a GPU, Mesa's
 * drivers, which it then refuses), yet an exit handler of the driver still runs, into unmapped code.
 * About 1 exit in 100 ended in SIGSEGV after "stopped" was logged (tests/server/start.test.ts, CI).
 * libc's `_exit` skips those handlers; without FFI permission this is `Deno.exit`.
 *
 * @param code The exit status.
 */
function exitSkippingNativeTeardown(code: number): never {
  const libc = LIBC[Deno.build.os];
  if (libc && Deno.permissions.querySync({ name: "ffi" }).state === "granted") {
    try {
      Deno.dlopen(libc, { _exit: { parameters: ["i32"], result: "void" } }).symbols._exit(code);
    } catch {
      // No such library here: the ordinary exit below.
    }
  }
  Deno.exit(code);
}

if (import.meta.main) exitSkippingNativeTeardown(await main());
