/**
 * Server configuration from command-line flags and environment variables (flags win). Every setting
 * has a safe default: loopback only, no cross-origin access, bounded queue and body.
 *
 * @module
 */
import { defaultAllowedHosts, normaliseHostEntry } from "./security.ts";
import type { StaticRoot } from "./static.ts";

/** Everything `main.ts` needs to start. */
export interface ServerConfig {
  host: string;
  port: number;
  /** Folder with one subfolder per model (each with a manifest.json). */
  modelsDir: string;
  /** Static folders, most specific prefix first. */
  staticRoots: StaticRoot[];
  allowedOrigins: string[];
  /** Host names served besides IP literals and localhost; see `hostAllowed` in security.ts. */
  allowedHosts: string[];
  token?: string;
  maxBatch: number;
  maxQueue: number;
  maxBodyBytes: number;
  maxPromptBytes: number;
  requestTimeoutMs: number;
  windowMs: number;
  batching: boolean;
  /** onnxruntime execution providers, tried in order. */
  providers: string[];
  /**
   * True when `--providers` or `LE_PROVIDERS` gave the list, whatever it holds (the default list
   * included): it is then tried as given, where the default list passes over WebGPU without a GPU
   * device (providers.ts).
   */
  providersGiven: boolean;
  /** How decoder models run a batch: see `Engine` in load.ts. */
  engine: "auto" | "batched" | "pipeline";
  /** Workers per model, each running one batch at a time (CPU cores are shared out between them). */
  instances: number;
  /** On shutdown, how long ready answers 503 before the server stops accepting connections, in ms. */
  drainMs: number;
}

interface Setting {
  flag: string;
  env: string;
  help: string;
  key: keyof ServerConfig;
  kind: "string" | "int" | "list" | "bool" | "static" | "engine";
}

/** The flags, their environment variables and what they do (also the `--help` text). */
export const SETTINGS: readonly Setting[] = [
  {
    flag: "host",
    env: "LE_HOST",
    key: "host",
    kind: "string",
    help: "address to listen on (default 127.0.0.1)",
  },
  { flag: "port", env: "LE_PORT", key: "port", kind: "int", help: "port (default 8000; 0 picks a free one)" },
  {
    flag: "models",
    env: "LE_MODELS",
    key: "modelsDir",
    kind: "string",
    help: "models folder (default models/)",
  },
  {
    flag: "static",
    env: "LE_STATIC",
    key: "staticRoots",
    kind: "static",
    help: "static folders as prefix=dir,... (default /dist/=dist,/models/=models,/=demo; empty: none)",
  },
  {
    flag: "origins",
    env: "LE_ORIGINS",
    key: "allowedOrigins",
    kind: "list",
    help: "CORS origins, comma-separated, * for any",
  },
  {
    flag: "allowed-hosts",
    env: "LE_ALLOWED_HOSTS",
    key: "allowedHosts",
    kind: "list",
    help:
      "host names served besides IP addresses and localhost, .domain for subdomains, * for any (on loopback none, else *)",
  },
  {
    flag: "token",
    env: "LE_TOKEN",
    key: "token",
    kind: "string",
    help: "require Authorization: Bearer <token> on /v2 and /metrics (health and model ready excepted)",
  },
  {
    flag: "max-batch",
    env: "LE_MAX_BATCH",
    key: "maxBatch",
    kind: "int",
    help: "most latents per request and per batch (16)",
  },
  {
    flag: "max-queue",
    env: "LE_MAX_QUEUE",
    key: "maxQueue",
    kind: "int",
    help: "most latents waiting before 503 (256; at least --max-batch)",
  },
  {
    flag: "max-body-bytes",
    env: "LE_MAX_BODY_BYTES",
    key: "maxBodyBytes",
    kind: "int",
    help: "request body limit; bodies read at once hold at most 8 times it (16777216)",
  },
  {
    flag: "max-prompt-bytes",
    env: "LE_MAX_PROMPT_BYTES",
    key: "maxPromptBytes",
    kind: "int",
    help: "prompt limit (2048)",
  },
  {
    flag: "timeout-ms",
    env: "LE_TIMEOUT_MS",
    key: "requestTimeoutMs",
    kind: "int",
    help: "upload and infer timeout, then 408 or 504 (60000)",
  },
  {
    flag: "batch-window-ms",
    env: "LE_BATCH_WINDOW_MS",
    key: "windowMs",
    kind: "int",
    help:
      "ms an idle model waits for more requests before a batch (0; requests that arrive while a batch runs still merge)",
  },
  {
    flag: "batching",
    env: "LE_BATCHING",
    key: "batching",
    kind: "bool",
    help: "merge requests into batches (true; --no-batching turns it off)",
  },
  {
    flag: "providers",
    env: "LE_PROVIDERS",
    key: "providers",
    kind: "list",
    help: "onnxruntime execution providers in order (cuda,webgpu,cpu)",
  },
  {
    flag: "engine",
    env: "LE_ENGINE",
    key: "engine",
    kind: "engine",
    help: "auto or batched (one onnxruntime run per batch), or pipeline (core/pipeline, one run per latent)",
  },
  {
    flag: "drain-ms",
    env: "LE_DRAIN_MS",
    key: "drainMs",
    kind: "int",
    help:
      "on SIGINT or SIGTERM, ms that /v2/health/ready answers 503 before connections are refused (0; a load balancer's check interval or more)",
  },
  {
    flag: "instances",
    env: "LE_INSTANCES",
    key: "instances",
    kind: "int",
    help: "workers per model, each running one batch at a time (1)",
  },
];

function defaults(root: string): Omit<ServerConfig, "allowedHosts" | "providersGiven"> {
  return {
    host: "127.0.0.1",
    port: 8000,
    modelsDir: `${root}/models`,
    staticRoots: parseStatic("/dist/=dist,/models/=models,/=demo", root),
    allowedOrigins: [],
    maxBatch: 16,
    maxQueue: 256,
    maxBodyBytes: 16 << 20,
    maxPromptBytes: 2048,
    requestTimeoutMs: 60_000,
    windowMs: 0,
    batching: true,
    providers: ["cuda", "webgpu", "cpu"],
    engine: "auto",
    instances: 1,
    drainMs: 0,
  };
}

function parseStatic(value: string, root: string): StaticRoot[] {
  const roots = value.split(",").filter((s) => s.trim() !== "").map((item) => {
    const eq = item.indexOf("=");
    let prefix = eq >= 0 ? item.slice(0, eq).trim() : "/";
    const dir = (eq >= 0 ? item.slice(eq + 1) : item).trim();
    if (!prefix.startsWith("/")) prefix = "/" + prefix;
    if (!prefix.endsWith("/")) prefix += "/";
    const cacheControl = prefix === "/" ? "no-cache" : "public, max-age=300";
    return { prefix, dir: dir.startsWith("/") ? dir : `${root}/${dir}`, cacheControl };
  });
  return roots.sort((a, b) => b.prefix.length - a.prefix.length);
}

/**
 * An `--origins` entry as browsers send `Origin` (scheme, host, port; no path or trailing slash), or `*`.
 *
 * @param entry The entry as given.
 * @returns The origin.
 * @throws TypeError for what is no origin.
 */
function originEntry(entry: string): string {
  if (entry === "*") return entry;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new TypeError(`"${entry}" is not an origin (write it as https://shop.example)`);
  }
  if (url.origin === "null") throw new TypeError(`"${entry}" has no origin a browser sends`);
  return url.origin;
}

/** The longest delay setTimeout keeps (2^31 - 1 ms); past it, it waits 1 ms. */
const MAX_TIMER_MS = 0x7fffffff;

/** How each entry of a list setting is read, where it is more than trimmed. */
const ENTRY: Partial<Record<keyof ServerConfig, (entry: string) => string>> = {
  allowedOrigins: originEntry,
  allowedHosts: normaliseHostEntry,
};

/** Converts a raw value; `source` names where it came from (the flag, or its environment variable). */
function convert(s: Setting, raw: string, root: string, source = `--${s.flag}`): unknown {
  switch (s.kind) {
    case "string":
      // An empty token would let in anyone who sends "Authorization: Bearer ".
      if (s.key === "token" && raw === "") {
        throw new TypeError(`Cannot read ${source}: it is empty; unset ${s.env} to serve without a token`);
      }
      return raw;
    case "list": {
      const list = raw.split(",").map((x) => x.trim()).filter((x) => x !== "");
      // No provider to try would fail every model with an empty "on any execution provider: ".
      if (s.key === "providers" && list.length === 0) {
        throw new TypeError(
          `Cannot read ${source}: it names no execution provider (name them in order, as the default cuda,webgpu,cpu)`,
        );
      }
      const entry = ENTRY[s.key];
      if (!entry) return list;
      // An entry that could never match is refused, rather than every request it meant to allow.
      try {
        return list.map(entry);
      } catch (e) {
        throw new TypeError(`Cannot read ${source}: ${(e as Error).message}`);
      }
    }
    case "static":
      return parseStatic(raw, root);
    case "engine":
      if (raw !== "auto" && raw !== "batched" && raw !== "pipeline") {
        throw new TypeError(`Cannot read ${source}: expected auto, batched or pipeline, got "${raw}"`);
      }
      return raw;
    case "bool":
      if (!["true", "false", "1", "0"].includes(raw)) {
        throw new TypeError(`Cannot read ${source}: expected true or false, got "${raw}"`);
      }
      return raw === "true" || raw === "1";
    case "int": {
      const n = Number(raw);
      // 0 means something for these (any free port; no batching window; no drain), as the defaults say.
      const zeroOk = s.key === "port" || s.key === "windowMs" || s.key === "drainMs";
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || (!zeroOk && n === 0)) {
        throw new TypeError(
          `Cannot read ${source}: expected a ${zeroOk ? "non-negative" : "positive"} integer, got "${raw}"`,
        );
      }
      if (s.key === "port" && n > 65535) throw new RangeError(`Cannot read ${source}: ${n} is over 65535`);
      // setTimeout takes longer delays as 1 ms: a timeout of 2^31 ms would end every request at once.
      if (s.flag.endsWith("-ms") && n > MAX_TIMER_MS) {
        throw new RangeError(
          `Cannot read ${source}: ${n} ms is over ${MAX_TIMER_MS} (about 24.8 days), the longest timer`,
        );
      }
      return n;
    }
  }
}

/**
 * Reads the configuration from flags (`--port 9000`, `--port=9000`, `--no-batching`) and environment
 * variables (`LE_PORT=9000`); flags win over the environment, both over the defaults.
 *
 * @param args Command-line arguments.
 * @param env Environment lookup.
 * @param root The repository root that relative folders are resolved against.
 * @returns The configuration, or "help" when `--help` was given.
 * @example
 * ```ts
 * const config = parseConfig(Deno.args, (k) => Deno.env.get(k), Deno.cwd());
 * ```
 */
export function parseConfig(
  args: readonly string[],
  env: (key: string) => string | undefined,
  root: string,
): ServerConfig | "help" {
  const config = defaults(root) as unknown as Record<string, unknown>;
  // Flags first: a setting a flag gives is not read from the environment (a bad variable the flag
  // overrides does not stop the server); a bad variable otherwise is named as such.
  const fromFlags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return "help";
    if (!arg.startsWith("--")) throw new TypeError(`Cannot read argument "${arg}": expected --flag`);
    let [name, value] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (name.startsWith("no-")) {
      const s = SETTINGS.find((x) => x.flag === name.slice(3) && x.kind === "bool");
      if (s) {
        config[s.key] = false;
        fromFlags.add(s.key);
        continue;
      }
    }
    const s = SETTINGS.find((x) => x.flag === name);
    if (!s) throw new TypeError(`Cannot read argument "${arg}": unknown flag (see --help)`);
    if (value === undefined) {
      if (s.kind === "bool") value = "true";
      else if (i + 1 < args.length) value = args[++i];
      else throw new TypeError(`Cannot read --${name}: missing value`);
    }
    config[s.key] = convert(s, value, root);
    fromFlags.add(s.key);
  }
  for (const s of SETTINGS) {
    const v = env(s.env);
    if (v !== undefined && !fromFlags.has(s.key)) config[s.key] = convert(s, v, root, s.env);
  }
  // A queue shorter than a batch would answer a full-size request 503 "retry" for ever.
  if ((config.maxQueue as number) < (config.maxBatch as number)) {
    const name = (key: keyof ServerConfig) => {
      const s = SETTINGS.find((x) => x.key === key)!;
      return fromFlags.has(key) ? `--${s.flag}` : env(s.env) !== undefined ? s.env : `--${s.flag} (default)`;
    };
    throw new RangeError(
      `Cannot serve with ${name("maxQueue")} ${config.maxQueue} below ${
        name("maxBatch")
      } ${config.maxBatch}: ` +
        "a request of a full batch could never be queued; raise the queue or lower the batch",
    );
  }
  config.allowedHosts ??= defaultAllowedHosts(config.host as string);
  config.providersGiven = fromFlags.has("providers") || env("LE_PROVIDERS") !== undefined;
  const modelsDir = config.modelsDir as string;
  if (!modelsDir.startsWith("/")) config.modelsDir = `${root}/${modelsDir}`;
  return config as unknown as ServerConfig;
}

/**
 * The `--help` text.
 *
 * @returns Usage, one line per flag with its environment variable.
 * @example
 * ```ts
 * console.log(helpText());
 * ```
 */
export function helpText(): string {
  const lines = [
    "Usage: node_modules/.bin/deno run -A server/main.ts [flags]   (npm start -- [flags] also builds dist/)",
    "",
    "Flags (environment variable in brackets):",
  ];
  for (const s of SETTINGS) lines.push(`  --${s.flag.padEnd(18)} [${s.env}] ${s.help}`);
  return lines.join("\n");
}
