/**
 * The machine a benchmark ran on, for the heading of its table: numbers mean little without it.
 *
 * @module
 */
import os from "node:os";

/** CPU, cores, memory and runtime versions. */
export type Machine = {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  deno: string;
  v8: string;
  onnxruntime: string | null;
};

/**
 * Describes the machine this process runs on.
 *
 * @returns The description; `onnxruntime` is the installed onnxruntime-node version, if any.
 * @example
 * ```ts
 * import { describeMachine } from "./machine.ts";
 * describeMachine().cores; // for example 2
 * ```
 */
export function describeMachine(): Machine {
  const cpus = os.cpus();
  let onnxruntime: string | null = null;
  try {
    const url = new URL("../../node_modules/onnxruntime-node/package.json", import.meta.url);
    onnxruntime = JSON.parse(Deno.readTextFileSync(url)).version ?? null;
  } catch {
    // Not installed: the study can still run on the stand-in renderer.
  }
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    onnxruntime,
  };
}

/**
 * One markdown line naming the machine.
 *
 * @param m The machine.
 * @returns For example "Machine: Intel Xeon, 2 cores, 8 GiB, Linux ..., Deno 2.9.6, onnxruntime-node 1.30.0".
 * @example
 * ```ts
 * import { describeMachine, machineLine } from "./machine.ts";
 * console.log(machineLine(describeMachine()));
 * ```
 */
export function machineLine(m: Machine): string {
  return `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Deno ${m.deno} (V8 ${m.v8})` +
    (m.onnxruntime ? `, onnxruntime-node ${m.onnxruntime}` : "");
}
