// Makes the element's worker refuse some of its calls, as it refuses a call it cannot do, or get them
// late, as a busy machine's worker does: the page's Worker is replaced by one that sends the calls
// named with generation -1, which the engine rejects with a RangeError (`Cannot evolve from
// generation -1`, `Cannot render generation -1`), or sends them after a delay. Nothing else changes:
// the worker and its session go on as they were.

/** The engine calls that take a generation first, which the worker can be made to refuse or get late. */
export type WorkerCall = "evolve" | "render";

/**
 * Replaces the page's Worker for the workers started from now on (mount the element after it).
 *
 * @returns `refuse`, the calls refused while it holds them, `delay`, the milliseconds each call named
 *   is sent late (change both as the test goes), and `restore()`, which gives the page its Worker back.
 */
export function tamperedWorkers(): {
  refuse: Set<WorkerCall>;
  delay: Map<WorkerCall, number>;
  restore: () => void;
} {
  const Original = globalThis.Worker;
  const refuse = new Set<WorkerCall>();
  const delay = new Map<WorkerCall, number>();
  globalThis.Worker = class extends Original {
    override postMessage(message: unknown, options?: Transferable[] | StructuredSerializeOptions): void {
      // Comlink's call: { type: "APPLY", path: [method], argumentList: [{ type: "RAW", value }, ...] }.
      const call = message as { type?: string; path?: string[]; argumentList?: unknown[] };
      const method = call?.type === "APPLY" ? call.path?.[0] as WorkerCall : undefined;
      if (method && refuse.has(method) && call.argumentList?.length) {
        call.argumentList[0] = { type: "RAW", value: -1 };
      }
      const late = method ? delay.get(method) : undefined;
      if (late) setTimeout(() => super.postMessage(message, options as StructuredSerializeOptions), late);
      else super.postMessage(message, options as StructuredSerializeOptions);
    }
  };
  return { refuse, delay, restore: () => (globalThis.Worker = Original) };
}
