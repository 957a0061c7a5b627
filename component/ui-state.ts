/**
 * What the main thread persists: everything the person set that the worker's session does not hold
 * (prompt, which generation is shown, selection, points, mode, sliders). The worker persists the
 * session itself under the same storage key, so a reload restores both halves.
 *
 * @module
 */

import { get, set } from "idb-keyval";
import type { Point } from "../core/latent.ts";

/** The element's persisted UI state. */
export interface UiState {
  /** Format version. */
  version: 1;
  /** The prompt. */
  prompt: string;
  /**
   * The prompt the page gave then (its attribute or property): when the page gives another now, its
   * own wins over the stored one. Absent in states stored before it was kept.
   */
  pagePrompt?: string;
  /** Index of the generation shown. */
  current: number;
  /** Selected indices per generation index. */
  selection: Record<number, number[]>;
  /** Marked points per generation index, then per image index. */
  points: Record<number, Record<number, Point[]>>;
  /** Change or keep the marked regions. */
  mode: "change" | "keep";
  /** Mutation strength. */
  strength: number;
  /** Region radius. */
  radius: number;
}

/**
 * The IndexedDB key of one part of a stored session.
 *
 * @param storageKey The element's `storage-key`.
 * @param part `ui` or `session`.
 * @returns The key.
 * @example
 * ```ts
 * import { storageKeyFor } from "./ui-state.ts";
 * storageKeyFor("demo", "ui"); // "latent-evolver:demo:ui"
 * ```
 */
export function storageKeyFor(storageKey: string, part: "ui" | "session"): string {
  return `latent-evolver:${storageKey}:${part}`;
}

/**
 * Loads the UI state, or `null` when none is stored or it is of another version.
 *
 * @param storageKey The element's `storage-key`.
 * @returns The stored state.
 * @example
 * ```ts
 * import { loadUiState } from "./ui-state.ts";
 * const state = await loadUiState("demo");
 * ```
 */
export async function loadUiState(storageKey: string): Promise<UiState | null> {
  const value = await get<UiState>(storageKeyFor(storageKey, "ui"));
  return value && value.version === 1 ? value : null;
}

/**
 * Stores the UI state.
 *
 * @param storageKey The element's `storage-key`.
 * @param state The state.
 * @returns When it is written.
 * @example
 * ```ts
 * import { saveUiState } from "./ui-state.ts";
 * await saveUiState("demo", { version: 1, prompt: "", current: 0, selection: {}, points: {}, mode: "change", strength: 1, radius: 0.15 });
 * ```
 */
export async function saveUiState(storageKey: string, state: UiState): Promise<void> {
  // Awaited here: idb-keyval opens the database synchronously, and where storage is refused (a
  // sandboxed iframe) that throws at once; callers get a rejected promise either way.
  await set(storageKeyFor(storageKey, "ui"), state);
}
