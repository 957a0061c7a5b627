/**
 * Validation of `<latent-evolver>`'s attributes. A bad value never leaves the element blank: the
 * parser returns the default together with a message the element shows and fires as an error.
 *
 * @module
 */

import type { BackendPreference, EngineConfig } from "./worker/protocol.ts";

/**
 * An attribute's value as the element's property may hold it: the attribute's text, or what a
 * framework set the property to. React, Vue and Svelte set bound values as properties, so numbers
 * arrive as numbers (`population={2}`); anything else is read as its text, and rejected with a
 * message if that text is not valid.
 */
export type AttributeValue = string | number | null | undefined;

/**
 * The attributes `<latent-evolver>` takes, typed as frameworks bind them (the numeric ones take
 * numbers or their text): the one list that the framework typings (latent-evolver/react, /vue,
 * /svelte) are made from.
 */
export interface LatentEvolverAttributes {
  /** Text the images follow. */
  prompt?: string;
  /** URL of a model manifest; the built-in model when unset. */
  model?: string;
  /** Base URL of an Open Inference Protocol server. */
  server?: string;
  /** The server's bearer token. */
  "server-token"?: string;
  /** Where the model runs. */
  backend?: BackendPreference;
  /** Images per generation, 1 to 64. */
  population?: number | string;
  /** Session seed: an integer or any text. */
  seed?: number | string;
  /** Grid columns, 1 to 16. */
  columns?: number | string;
  /** Initial strength slider, 0.05 to 3. */
  "mutation-strength"?: number | string;
  /** Initial radius slider, 0.02 to 0.5 of the image. */
  radius?: number | string;
  /** IndexedDB namespace of the saved session; `none` saves nothing. */
  "storage-key"?: string;
  /** Clicks mark points instead of selecting. */
  marking?: boolean;
}

/** `server-token` as `serverToken`. */
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/**
 * {@link LatentEvolverAttributes}, and the kebab-case ones by the element's camelCase property names
 * as well (`serverToken`, `storageKey`, `mutationStrength`), which frameworks set as properties.
 */
export type LatentEvolverBindings =
  & LatentEvolverAttributes
  & { [K in keyof LatentEvolverAttributes as CamelCase<K>]?: LatentEvolverAttributes[K] };

/** The text of an attribute's value; `null` when it is absent. */
function text(raw: unknown): string | null {
  return raw == null ? null : String(raw);
}

/** A parsed value, and the problem with the raw one if it was rejected. */
export interface Parsed<T> {
  /** The value to use: the parsed one, or the default. */
  value: T;
  /** Why the raw value was rejected, or `undefined` when it was fine. */
  error?: string;
}

/**
 * Parses an integer attribute within bounds.
 *
 * @param name The attribute's name, for the message.
 * @param raw The attribute's value, `null` when absent.
 * @param fallback The default.
 * @param min Smallest allowed value.
 * @param max Largest allowed value.
 * @returns The value, or the default and a message.
 * @example
 * ```ts
 * import { parseInteger } from "./attributes.ts";
 * parseInteger("population", "80", 8, 1, 64).error; // "population must be an integer from 1 to 64, got "80""
 * ```
 */
export function parseInteger(
  name: string,
  raw: AttributeValue,
  fallback: number,
  min: number,
  max: number,
): Parsed<number> {
  return parseInRange(name, raw, fallback, min, max, Number.isInteger, "an integer");
}

/**
 * Parses a number attribute within bounds.
 *
 * @param name The attribute's name, for the message.
 * @param raw The attribute's value, `null` when absent.
 * @param fallback The default.
 * @param min Smallest allowed value.
 * @param max Largest allowed value.
 * @returns The value, or the default and a message.
 * @example
 * ```ts
 * import { parseNumber } from "./attributes.ts";
 * parseNumber("radius", "0.2", 0.15, 0.01, 1).value; // 0.2
 * ```
 */
export function parseNumber(
  name: string,
  raw: AttributeValue,
  fallback: number,
  min: number,
  max: number,
): Parsed<number> {
  return parseInRange(name, raw, fallback, min, max, Number.isFinite, "a number");
}

/** Shared by {@link parseInteger} and {@link parseNumber}: they differ only in what a valid number is. */
function parseInRange(
  name: string,
  value: AttributeValue,
  fallback: number,
  min: number,
  max: number,
  valid: (n: number) => boolean,
  kind: string,
): Parsed<number> {
  const raw = text(value);
  if (raw == null || raw.trim() === "") return { value: fallback };
  const n = Number(raw);
  if (!valid(n) || n < min || n > max) {
    return { value: fallback, error: `${name} must be ${kind} from ${min} to ${max}, got "${raw}"` };
  }
  return { value: n };
}

const backends: readonly BackendPreference[] = ["auto", "webgpu", "wasm", "server"];

/**
 * Parses the `backend` attribute.
 *
 * @param raw The attribute's value, `null` when absent.
 * @param server The `server` attribute, needed when the backend is `server`.
 * @returns The preference, or `auto` and a message.
 * @example
 * ```ts
 * import { parseBackend } from "./attributes.ts";
 * parseBackend("gpu", "").error; // 'backend must be one of auto, webgpu, wasm, server, got "gpu"'
 * ```
 */
export function parseBackend(value: AttributeValue, server: string): Parsed<BackendPreference> {
  const raw = text(value);
  if (raw == null || raw === "") return { value: "auto" };
  if (!(backends as readonly string[]).includes(raw)) {
    return { value: "auto", error: `backend must be one of ${backends.join(", ")}, got "${raw}"` };
  }
  if (raw === "server" && !server) {
    return {
      value: "auto",
      error: `backend="server" needs the server attribute (the server's base URL); using auto`,
    };
  }
  return { value: raw as BackendPreference };
}

/**
 * Resolves a URL attribute against the page.
 *
 * @param name The attribute's name, for the message.
 * @param raw The attribute's value.
 * @param base The base URL (the page's).
 * @returns The absolute URL, or `""` and a message.
 * @example
 * ```ts
 * import { parseUrl } from "./attributes.ts";
 * parseUrl("server", "/api", "https://example.com/x/").value; // "https://example.com/api"
 * ```
 */
export function parseUrl(name: string, value: AttributeValue, base: string): Parsed<string> {
  const raw = text(value);
  if (raw == null || raw.trim() === "") return { value: "" };
  try {
    return { value: new URL(raw, base).href };
  } catch {
    return { value: "", error: `${name} must be a URL, got "${raw}"` };
  }
}

/**
 * Parses the `server-token` attribute: the bearer token the server backend sends (the server's
 * `--token`). It goes in an HTTP header, so it must be printable ASCII without spaces; a rejected
 * token is not repeated in the message, which the page may show.
 *
 * @param value The attribute's value.
 * @returns The token, `""` when none is set.
 * @example
 * ```ts
 * import { parseToken } from "./attributes.ts";
 * parseToken(" s3cret ").value; // "s3cret"
 * ```
 */
export function parseToken(value: AttributeValue): Parsed<string> {
  const raw = text(value)?.trim() ?? "";
  if (/^[\x21-\x7e]*$/.test(raw)) return { value: raw };
  return {
    value: "",
    error: "server-token must be printable ASCII without spaces (it is sent as an HTTP header)",
  };
}

/**
 * Parses the `seed` attribute: an integer seed, or any other string (hashed by core's RNG).
 *
 * @param raw The attribute's value.
 * @returns The seed, or `null` when none is set (the worker keeps the stored session's, or draws one).
 * @example
 * ```ts
 * import { parseSeed } from "./attributes.ts";
 * parseSeed("42"); // 42
 * ```
 */
export function parseSeed(value: AttributeValue): number | string | null {
  const raw = text(value);
  if (raw == null || raw === "") return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : raw;
}

/** An attribute value that was rejected, and why. */
export interface AttributeProblem {
  /** The attribute's name. */
  attribute: string;
  /** The message shown in the element. */
  message: string;
}

/** The raw attributes the engine config comes from. */
export interface EngineAttributes {
  model?: AttributeValue;
  server?: AttributeValue;
  serverToken?: AttributeValue;
  backend?: AttributeValue;
  population?: AttributeValue;
  seed?: AttributeValue;
  storageKey?: AttributeValue;
}

/**
 * Reads the worker's config from the element's attributes; every rejected value falls back to its
 * default and is listed.
 *
 * @param a The raw attribute values.
 * @param base The page's base URL, for relative `model` and `server` URLs.
 * @param builtinModel The built-in model's manifest URL, asked for only when `model` is unset.
 * @returns The config and the problems.
 * @example
 * ```ts
 * import { readEngineConfig } from "./attributes.ts";
 * const { config, problems } = readEngineConfig({ population: "0" }, "https://a.example/", () => "https://cdn.example/m.json");
 * problems[0].attribute; // "population"
 * ```
 */
export function readEngineConfig(
  a: EngineAttributes,
  base: string,
  builtinModel: () => string,
): { config: EngineConfig; problems: AttributeProblem[] } {
  const problems: AttributeProblem[] = [];
  const take = <T>(p: Parsed<T>, attribute: string): T => {
    if (p.error) problems.push({ attribute, message: p.error });
    return p.value;
  };
  const server = take(parseUrl("server", a.server, base), "server");
  const storageKey = text(a.storageKey);
  const config: EngineConfig = {
    model: take(parseUrl("model", a.model, base), "model") || builtinModel(),
    server,
    serverToken: take(parseToken(a.serverToken), "server-token"),
    backend: take(parseBackend(a.backend, server), "backend"),
    population: take(parseInteger("population", a.population, 8, 1, 64), "population"),
    seed: parseSeed(a.seed),
    storageKey: storageKey === "none" ? null : storageKey || "default",
    save: true,
  };
  return { config, problems };
}

/**
 * Reads the slider and layout attributes.
 *
 * @param a `mutation-strength`, `radius` and `columns`.
 * @returns The values (defaults where rejected) and the problems.
 * @example
 * ```ts
 * import { readControls } from "./attributes.ts";
 * readControls({ radius: "0.3" }).radius; // 0.3
 * ```
 */
export function readControls(a: {
  mutationStrength?: AttributeValue;
  radius?: AttributeValue;
  columns?: AttributeValue;
}): { strength: number; radius: number; columns: number; problems: AttributeProblem[] } {
  const problems: AttributeProblem[] = [];
  const take = (p: Parsed<number>, attribute: string): number => {
    if (p.error) problems.push({ attribute, message: p.error });
    return p.value;
  };
  return {
    strength: take(parseNumber("mutation-strength", a.mutationStrength, 1, 0.05, 3), "mutation-strength"),
    radius: take(parseNumber("radius", a.radius, 0.15, 0.02, 0.5), "radius"),
    columns: take(parseInteger("columns", a.columns, 0, 1, 16), "columns"),
    problems,
  };
}
