/**
 * Which onnxruntime execution providers are worth trying here, decided before onnxruntime tries them.
 * Trying one that cannot load is loud: the CUDA provider without its libraries prints onnxruntime's
 * red `[ONNXRuntimeError] ... Failed to load library libonnxruntime_providers_shared.so`, and the
 * WebGPU provider on a machine without a GPU has Dawn print Vulkan and `XDG_RUNTIME_DIR` errors, all
 * before a server that works on the CPU says anything. Cheap checks of files pass over those
 * providers with one plain reason each instead.
 *
 * @module
 */

/** What the checks look at: the file system, and where onnxruntime-node's binding is. */
export interface ProviderProbe {
  /** The operating system, as `Deno.build.os` names it. */
  os: string;
  /** The folder of onnxruntime-node's `onnxruntime_binding.node`, where its CUDA libraries go. */
  bindingDir: string;
  /** True when the path exists. */
  exists(path: string): boolean;
}

/** Providers to try, in order, and each one passed over with why. */
export interface ProviderChoice {
  /** The providers to try, in the order given. */
  providers: string[];
  /** Each provider passed over, with a plain reason and what would make it available. */
  passedOver: PassedOver[];
}

/** A provider passed over. */
export interface PassedOver {
  /** The provider. */
  provider: string;
  /** Why it cannot load here. */
  reason: string;
  /** What makes it available, or tries it all the same. */
  hint: string;
}

/** Device nodes of a GPU that Dawn's Vulkan (Mesa, NVIDIA) or Direct3D under WSL opens on Linux. */
const LINUX_GPU_DEVICES = ["/dev/dri", "/dev/nvidia0", "/dev/dxg"];

/** The CUDA provider's libraries, which onnxruntime-node downloads only when asked. */
function cudaLibraries(os: string): string[] {
  const [prefix, ext] = os === "windows" ? ["", "dll"] : ["lib", "so"];
  return ["shared", "cuda"].map((p) => `${prefix}onnxruntime_providers_${p}.${ext}`);
}

/** Why a provider cannot load here and what would change that, or `null` when it is worth trying. */
function unavailable(
  provider: string,
  probe: ProviderProbe,
  asked: boolean,
): Omit<PassedOver, "provider"> | null {
  if (provider === "cuda") {
    if (probe.os === "darwin") return { reason: "onnxruntime-node has no CUDA build for macOS", hint: "" };
    const missing = cudaLibraries(probe.os).find((f) => !probe.exists(`${probe.bindingDir}/${f}`));
    const hint = "ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node installs it (see the README)";
    return missing ? { reason: `${missing} is not installed`, hint } : null;
  }
  // A GPU may hide from these checks (an unusual driver): a list given with --providers tries it.
  if (provider === "webgpu" && probe.os === "linux" && !asked) {
    if (LINUX_GPU_DEVICES.some((d) => probe.exists(d))) return null;
    const hint = `none of ${LINUX_GPU_DEVICES.join(", ")} exists; --providers webgpu,cpu tries it anyway`;
    return { reason: "no GPU device", hint };
  }
  return null;
}

/**
 * Passes over the providers that cannot load here: CUDA without its libraries next to
 * onnxruntime-node's binding (or on macOS), and, unless `asked`, WebGPU on Linux without a GPU device.
 * The CPU provider is always kept, and a list left empty keeps its last provider: onnxruntime's own
 * error then says why it fails.
 *
 * @param providers The providers in the order to try.
 * @param probe The system to check.
 * @param asked True when the list was given (`--providers`, `LE_PROVIDERS`), not the default.
 * @returns The providers to try and those passed over.
 * @example
 * ```ts
 * import { usableProviders } from "./providers.ts";
 * const probe = { os: "linux", bindingDir: "/ort/bin", exists: () => false };
 * usableProviders(["cuda", "webgpu", "cpu"], probe, false).providers; // ["cpu"]
 * ```
 */
export function usableProviders(
  providers: readonly string[],
  probe: ProviderProbe,
  asked: boolean,
): ProviderChoice {
  const choice: ProviderChoice = { providers: [], passedOver: [] };
  for (const provider of providers) {
    const why = unavailable(provider, probe, asked);
    if (why === null) choice.providers.push(provider);
    else choice.passedOver.push({ provider, ...why });
  }
  if (choice.providers.length === 0 && providers.length > 0) {
    choice.providers.push(providers.at(-1)!);
    choice.passedOver.pop();
  }
  return choice;
}

/**
 * The execution providers onnxruntime-node has a build of, on one platform or another
 * (onnxruntime-common's `ExecutionProviderOptionMap`, less the web-only `wasm`, `webgl` and `webnn`).
 * Which of them this machine's binding has is its `listSupportedBackends()`; one it lacks fails at
 * load, as a GPU provider without its GPU does, and the next provider serves.
 */
export const PROVIDER_NAMES = [
  "cpu",
  "cuda",
  "tensorrt",
  "webgpu",
  "dml",
  "coreml",
  "qnn",
  "nnapi",
  "xnnpack",
];

/**
 * Refuses a provider name that no onnxruntime-node has. A misspelt name (`cdua`) would otherwise
 * fail at every model's load, with onnxruntime's own error, and leave the models quietly on the next
 * provider in the list.
 *
 * @param providers The providers given.
 * @param source Where the list came from, for the message (`--providers`, `LE_PROVIDERS`).
 * @throws TypeError naming the first unknown provider and the known ones.
 * @example
 * ```ts
 * import { checkProviderNames } from "./providers.ts";
 * checkProviderNames(["cuda", "cpu"], "--providers"); // passes
 * checkProviderNames(["cdua", "cpu"], "--providers"); // throws TypeError
 * ```
 */
export function checkProviderNames(providers: readonly string[], source: string): void {
  const unknown = providers.find((p) => !PROVIDER_NAMES.includes(p));
  if (unknown === undefined) return;
  throw new TypeError(
    `Cannot use ${source}: "${unknown}" is not an onnxruntime-node execution provider (those are ${
      PROVIDER_NAMES.join(", ")
    })`,
  );
}

/**
 * The probe of this machine: onnxruntime-node's binding folder as its `binding.js` finds it
 * (`bin/napi-v6/<platform>/<arch>`).
 *
 * @returns The probe.
 * @example
 * ```ts
 * import { systemProbe, usableProviders } from "./providers.ts";
 * usableProviders(["cuda", "cpu"], systemProbe(), false);
 * ```
 */
export function systemProbe(): ProviderProbe {
  const pkg = new URL(".", import.meta.resolve("onnxruntime-node")); // .../onnxruntime-node/dist/
  const platform = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  const arch = ({ x86_64: "x64", aarch64: "arm64" } as Record<string, string>)[Deno.build.arch] ??
    Deno.build.arch;
  return {
    os: Deno.build.os,
    bindingDir: decodeURIComponent(new URL(`../bin/napi-v6/${platform}/${arch}`, pkg).pathname),
    exists: (path) => {
      try {
        Deno.statSync(path);
        return true;
      } catch {
        return false;
      }
    },
  };
}
