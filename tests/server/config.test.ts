import assert from "node:assert/strict";
import { helpText, parseConfig, type ServerConfig } from "../../server/config.ts";

const noEnv = () => undefined;

function parse(args: string[], env: Record<string, string> = {}): ServerConfig {
  const c = parseConfig(args, (k) => env[k], "/srv/app");
  assert.notEqual(c, "help");
  return c as ServerConfig;
}

Deno.test("parseConfig() defaults to loopback, no origins, no token, bounded queue", () => {
  const c = parse([]);
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.port, 8000);
  assert.equal(c.modelsDir, "/srv/app/models");
  assert.deepEqual(c.allowedOrigins, []);
  assert.deepEqual(c.allowedHosts, [], "on loopback only IP addresses and localhost");
  assert.equal(c.token, undefined);
  assert.equal(c.maxQueue, 256);
  assert.deepEqual(c.providers, ["cuda", "webgpu", "cpu"]);
  assert.equal(c.engine, "auto");
  assert.deepEqual(c.staticRoots.map((r) => [r.prefix, r.dir]), [
    ["/models/", "/srv/app/models"],
    ["/dist/", "/srv/app/dist"],
    ["/", "/srv/app/demo"],
  ]);
});

Deno.test("parseConfig() reads environment variables, and flags win over them", () => {
  const env = {
    LE_PORT: "9000",
    LE_ORIGINS: "https://a.example, https://b.example",
    LE_TOKEN: "t",
    LE_HOST: "0.0.0.0",
  };
  const c = parse([
    "--port=9100",
    "--max-batch",
    "8",
    "--no-batching",
    "--static",
    "/ui/=web",
    "--models",
    "/m",
  ], env);
  assert.equal(c.port, 9100);
  assert.equal(c.host, "0.0.0.0");
  assert.deepEqual(c.allowedOrigins, ["https://a.example", "https://b.example"]);
  assert.equal(c.token, "t");
  assert.equal(c.maxBatch, 8);
  assert.equal(c.batching, false);
  assert.equal(c.modelsDir, "/m");
  assert.deepEqual(c.staticRoots.map((r) => [r.prefix, r.dir]), [["/ui/", "/srv/app/web"]]);
  assert.deepEqual(parse(["--static", ""]).staticRoots, []);
  // A bad variable is named as such, and a flag that overrides it wins without reading it.
  assert.throws(() => parse([], { LE_PORT: "abc" }), /Cannot read LE_PORT: expected a non-negative integer/);
  assert.equal(parse(["--port", "9200"], { LE_PORT: "abc" }).port, 9200);
  assert.equal(parse(["--no-batching"], { LE_BATCHING: "maybe" }).batching, false);
});

Deno.test("parseConfig() refuses unknown flags and bad numbers, naming them", () => {
  assert.throws(() => parseConfig(["--prot", "1"], noEnv, "/"), /unknown flag/);
  assert.throws(
    () => parseConfig(["--port", "eighty"], noEnv, "/"),
    /--port: expected a non-negative integer, got "eighty"/,
  );
  assert.throws(() => parseConfig(["--port", "70000"], noEnv, "/"), /over 65535/);
  assert.throws(
    () => parseConfig(["--max-queue", "0"], noEnv, "/"),
    /--max-queue: expected a positive integer/,
  );
  assert.throws(() => parseConfig(["--batching=maybe"], noEnv, "/"), /expected true or false/);
  assert.throws(
    () => parseConfig([], (k) => (k === "LE_TOKEN" ? "" : undefined), "/"),
    /Cannot read LE_TOKEN: it is empty; unset LE_TOKEN/,
  );
  assert.throws(() => parseConfig(["--token="], noEnv, "/"), /--token: it is empty/);
  assert.throws(
    () => parseConfig(["--instances", "0"], noEnv, "/"),
    /--instances: expected a positive integer/,
  );
  assert.equal(
    (parseConfig([], (k) => (k === "LE_INSTANCES" ? "4" : undefined), "/") as ServerConfig).instances,
    4,
  );
  assert.throws(() => parseConfig(["--engine", "fast"], noEnv, "/"), /expected auto, batched or pipeline/);
  assert.throws(() => parseConfig(["--max-batch"], noEnv, "/"), /missing value/);
  assert.throws(
    () => parseConfig([], (k) => (k === "LE_MAX_BATCH" ? "-3" : undefined), "/"),
    /LE_MAX_BATCH: expected a positive integer/,
  );
  assert.equal(parseConfig(["--help"], noEnv, "/"), "help");
  assert.match(helpText(), /--token\s+\[LE_TOKEN\]/);
});

Deno.test("parseConfig() accepts the documented default 0 for --batch-window-ms, as for --port", () => {
  assert.equal(parse(["--batch-window-ms", "0"]).windowMs, 0);
  assert.equal(parse([], { LE_BATCH_WINDOW_MS: "0" }).windowMs, 0);
  assert.equal(parse(["--port=0"]).port, 0);
  assert.throws(
    () => parseConfig(["--batch-window-ms", "-1"], noEnv, "/"),
    /--batch-window-ms: expected a non-negative integer/,
  );
});

Deno.test("parseConfig(): allowed hosts default to none on loopback and any elsewhere; URLs are refused", () => {
  assert.deepEqual(parse(["--host", "localhost"]).allowedHosts, []);
  assert.deepEqual(parse([], { LE_HOST: "0.0.0.0" }).allowedHosts, ["*"]);
  assert.deepEqual(parse(["--host", "10.0.0.11"]).allowedHosts, ["*"]);
  assert.deepEqual(parse(["--allowed-hosts", "evolver.example, .corp.example"]).allowedHosts, [
    "evolver.example",
    ".corp.example",
  ]);
  assert.deepEqual(parse(["--host", "0.0.0.0"], { LE_ALLOWED_HOSTS: "evolver.example" }).allowedHosts, [
    "evolver.example",
  ]);
  assert.throws(
    () => parse(["--allowed-hosts", "https://evolver.example"]),
    /Cannot read --allowed-hosts: "https:\/\/evolver.example" is not a host name/,
  );
  assert.throws(() => parse([], { LE_ALLOWED_HOSTS: "evolver.example:443" }), /Cannot read LE_ALLOWED_HOSTS/);
  // A pattern is refused with its spelling here; names are matched as URLs spell them.
  assert.throws(() => parse(["--allowed-hosts", "*.corp.example"]), /write "\.corp\.example" for the domain/);
  assert.deepEqual(parse(["--allowed-hosts", "Bücher.Example."]).allowedHosts, ["xn--bcher-kva.example"]);
  // Loopback in any spelling keeps the strict default.
  for (const host of ["::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost.", "127.0.0.2"]) {
    assert.deepEqual(parse(["--host", host]).allowedHosts, [], host);
  }
  assert.match(helpText(), /--allowed-hosts\s+\[LE_ALLOWED_HOSTS\]/);
});

Deno.test("parseConfig(): origins are read as browsers send them; what is no origin is refused", () => {
  assert.deepEqual(
    parse(["--origins", "https://Shop.example/, http://localhost:5173/app, *"]).allowedOrigins,
    [
      "https://shop.example",
      "http://localhost:5173",
      "*",
    ],
  );
  assert.throws(
    () => parse(["--origins", "shop.example"]),
    /Cannot read --origins: "shop.example" is not an origin/,
  );
  assert.throws(
    () => parse([], { LE_ORIGINS: "file:///tmp/x" }),
    /Cannot read LE_ORIGINS: "file:\/\/\/tmp\/x" has no origin/,
  );
});

Deno.test("parseConfig() refuses a ms setting past setTimeout's longest delay, which would wait 1 ms", () => {
  assert.equal(parse(["--timeout-ms", "2147483647"]).requestTimeoutMs, 2147483647);
  assert.throws(
    () => parseConfig(["--timeout-ms", "2147483648"], noEnv, "/"),
    /--timeout-ms: 2147483648 ms is over 2147483647 \(about 24\.8 days\), the longest timer/,
  );
  assert.throws(
    () => parseConfig([], (k) => (k === "LE_BATCH_WINDOW_MS" ? "9999999999" : undefined), "/"),
    /LE_BATCH_WINDOW_MS: 9999999999 ms is over 2147483647/,
  );
});

Deno.test("parseConfig() refuses a queue shorter than a batch, naming both settings", () => {
  assert.equal(parse(["--max-queue", "16", "--max-batch", "16"]).maxQueue, 16);
  assert.throws(
    () => parseConfig(["--max-queue", "8"], noEnv, "/"),
    /--max-queue 8 below --max-batch \(default\) 16: a request of a full batch could never be queued/,
  );
  assert.throws(
    () => parseConfig(["--max-batch", "32"], (k) => (k === "LE_MAX_QUEUE" ? "20" : undefined), "/"),
    /LE_MAX_QUEUE 20 below --max-batch 32/,
  );
});

Deno.test("parseConfig() tells a providers list given from the default, and refuses one that names none", () => {
  assert.equal(parse([]).providersGiven, false);
  // Given, even equal to the default: it is then tried as given (server/main.ts chooseProviders).
  for (
    const c of [parse(["--providers", "cuda,webgpu,cpu"]), parse([], { LE_PROVIDERS: "cuda,webgpu,cpu" })]
  ) {
    assert.deepEqual([c.providers, c.providersGiven], [["cuda", "webgpu", "cpu"], true]);
  }
  assert.throws(() => parse(["--providers", ""]), /Cannot read --providers: it names no execution provider/);
  assert.throws(() => parse([], { LE_PROVIDERS: " , " }), /Cannot read LE_PROVIDERS: it names no execution/);
});
