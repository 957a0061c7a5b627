/**
 * One saver per storage key across the browser's tabs. Two tabs of a page with one `storage-key`
 * would each save their session over the other's after every generation, and a reload would bring
 * back whichever saved last. The element that holds the key's Web Lock saves; another one, in
 * another tab, shows the saved session but saves nothing, and waits: when the holder's tab closes
 * (or its element leaves the page) it takes the lock and saves from its next change on.
 *
 * @module
 */

/** How long a busy lock is waited for before its holder counts as another tab. */
export const HANDOVER_MS = 250;

/**
 * The Web Lock of one storage key, held or waited for by one element.
 *
 * @example
 * ```ts
 * const lock = await StorageLock.take("demo", () => console.log("saving here now"));
 * lock.held; // false while another tab holds "demo"
 * lock.release();
 * ```
 */
export class StorageLock {
  /** True while this element holds the lock (always where Web Locks are missing: see {@link take}). */
  held = false;
  /** The storage key. */
  readonly key: string;
  readonly #abort = new AbortController();

  private constructor(key: string) {
    this.key = key;
  }

  /**
   * Takes the key's lock if it is free, else waits for it in the background.
   *
   * @param key The storage key.
   * @param onTaken Called when a lock that was busy for longer than {@link HANDOVER_MS} is taken.
   * @returns The lock, once it is known whether it was free (or freed within {@link HANDOVER_MS}).
   *   Without Web Locks (an insecure context: `http://` on another host than localhost) it counts as
   *   held, as before there was one.
   */
  static async take(key: string, onTaken: () => void): Promise<StorageLock> {
    const lock = new StorageLock(key);
    const locks = globalThis.navigator?.locks;
    if (!locks) {
      lock.held = true;
      return lock;
    }
    const name = `latent-evolver:${key}`;
    const { signal } = lock.#abort;
    // The lock is held until the callback's promise settles: here, until release().
    const released = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
    const hold = () => {
      lock.held = true;
      return released;
    };
    const free = await new Promise<boolean>((resolve) => {
      locks.request(name, { ifAvailable: true }, (granted) => {
        resolve(granted !== null);
        return granted && hold();
      }).catch(() => {
        // A lock manager that refuses (an opaque origin's SecurityError): as without one.
        lock.held = true;
        resolve(true);
      });
    });
    if (!free && !signal.aborted) {
      // A holder that is going away (the page before a reload, an element that another replaced in
      // this task) lets go within moments: that is not another tab, and is waited for.
      let settling = true;
      const granted = new Promise<void>((resolve) => {
        locks.request(name, { signal }, () => {
          const holding = hold();
          if (settling) resolve();
          else onTaken();
          return holding;
        }).catch(() => {/* released before it was granted: an AbortError */});
      });
      await Promise.race([granted, new Promise((r) => setTimeout(r, HANDOVER_MS))]);
      settling = false;
    }
    return lock;
  }

  /** Releases the lock, or stops waiting for it. */
  release(): void {
    this.held = false;
    this.#abort.abort();
  }
}
