/**
 * One saver per storage key across the browser's tabs. Two tabs of a page with one `storage-key`
 * would each save their session over the other's after every generation, and a reload would bring
 * back whichever saved last. The element that holds the key's Web Lock saves; one in another tab
 * shows the saved session, saves nothing, and takes the lock when the holder lets go (its tab closed)
 * or when the person asks to continue there ({@link StorageLock.steal}, "Use here"). Only a visible
 * tab waits for the lock: otherwise a tab in the background would take it from the saving tab's own
 * reload.
 *
 * @module
 */

/** How long a busy lock is waited for before its holder counts as another tab. */
export const HANDOVER_MS = 250;

/** What a {@link StorageLock} tells its element. */
export interface StorageLockEvents {
  /** The lock was taken after having been busy for longer than {@link HANDOVER_MS}. */
  onTaken(): void;
  /** Another tab took the lock away ({@link StorageLock.steal} there). */
  onLost(): void;
}

/**
 * The Web Lock of one storage key, held or waited for by one element.
 *
 * @example
 * ```ts
 * const lock = await StorageLock.take("demo", { onTaken() {}, onLost() {} });
 * lock.held; // false while another tab holds "demo"
 * lock.release();
 * ```
 */
export class StorageLock {
  /** True while this element holds the lock (always where Web Locks are missing: see {@link take}). */
  held = false;
  /** The storage key. */
  readonly key: string;
  readonly #name: string;
  readonly #locks: LockManager;
  readonly #events: StorageLockEvents;
  /** Aborts the current wait, or lets go of the lock held. */
  #attempt = new AbortController();
  #waiting = false;
  #released = false;

  private constructor(key: string, locks: LockManager, events: StorageLockEvents) {
    this.key = key;
    this.#name = `latent-evolver:${key}`;
    this.#locks = locks;
    this.#events = events;
  }

  /**
   * Takes the key's lock if it is free (or freed within {@link HANDOVER_MS}: a holder going away, as
   * the page before a reload or an element another replaced, is not another tab); else, while the
   * page is visible, waits for it in the background.
   *
   * @param key The storage key.
   * @param events What to tell the element later.
   * @returns The lock, once it is known whether it is held. Without Web Locks (an insecure context:
   *   `http://` on another host than localhost), or where the lock manager refuses (an opaque
   *   origin), it counts as held, as before there was one.
   */
  static async take(key: string, events: StorageLockEvents): Promise<StorageLock> {
    const locks = globalThis.navigator?.locks;
    const lock = new StorageLock(key, locks, events);
    if (!locks) {
      lock.held = true;
      return lock;
    }
    let free: boolean;
    try {
      free = await lock.#acquire({ ifAvailable: true });
    } catch {
      lock.held = true; // refused: as without Web Locks
      return lock;
    }
    if (!free && lock.#visible()) {
      let settling = true;
      const granted = lock.#wait(() => !settling);
      await Promise.race([granted, new Promise((r) => setTimeout(r, HANDOVER_MS))]);
      settling = false;
    }
    document.addEventListener("visibilitychange", lock.#onVisibility);
    return lock;
  }

  /** Takes the lock from the tab that holds it (which is told, see {@link StorageLockEvents.onLost}). */
  async steal(): Promise<void> {
    if (this.held || this.#released) return;
    this.#attempt.abort(); // stop waiting
    await this.#acquire({ steal: true });
  }

  /** Lets go of the lock, or stops waiting for it, for good. */
  release(): void {
    this.#released = true;
    this.held = false;
    this.#attempt.abort();
    document.removeEventListener("visibilitychange", this.#onVisibility);
  }

  #visible(): boolean {
    return document.visibilityState !== "hidden";
  }

  /** A hidden tab stops waiting; a visible one waits (see the module's note). */
  #onVisibility = (): void => {
    if (this.held || this.#released) return;
    if (!this.#visible()) this.#attempt.abort();
    else if (!this.#waiting) void this.#wait(() => true);
  };

  /**
   * Waits for the lock.
   *
   * @param late Whether a grant now is late (the element is told) rather than a handover.
   * @returns True once granted; false if the wait was stopped.
   */
  async #wait(late: () => boolean): Promise<boolean> {
    this.#waiting = true;
    try {
      const granted = await this.#acquire({}).catch(() => false);
      if (granted && late()) this.#events.onTaken();
      return granted;
    } finally {
      this.#waiting = false;
    }
  }

  /**
   * Requests the lock and holds it until {@link release} or a steal.
   *
   * @returns True when granted, false when not (`ifAvailable`) or when the wait was stopped.
   */
  #acquire(options: { ifAvailable?: true; steal?: true }): Promise<boolean> {
    const attempt = new AbortController();
    this.#attempt = attempt;
    const letGo = new Promise<void>((resolve) => attempt.signal.addEventListener("abort", () => resolve()));
    // A signal only for a plain wait: the lock manager refuses one beside ifAvailable or steal.
    const waitOptions = options.ifAvailable || options.steal ? options : { signal: attempt.signal };
    return new Promise<boolean>((decided, refused) => {
      this.#locks.request(this.#name, waitOptions, (granted) => {
        if (!granted || attempt.signal.aborted) return decided(false);
        this.held = true;
        decided(true);
        return letGo;
      }).then(() => {}, (error: DOMException) => {
        // Stolen while held: another tab saves now. Stopped while waiting: nothing to say.
        if (this.held && this.#attempt === attempt) {
          this.held = false;
          this.#events.onLost();
          if (this.#visible()) void this.#wait(() => true);
        }
        if (error?.name === "AbortError") decided(false);
        else refused(error);
      });
    });
  }
}
