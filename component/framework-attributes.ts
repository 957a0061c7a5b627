/**
 * `<latent-evolver>`'s attributes as frameworks and server-rendered HTML write them on a tag that is
 * not defined yet: a camelCase property name as an attribute, which HTML lowercases, and
 * `marking="false"` for a false boolean. Both read as the page meant them.
 *
 * @module
 */

/**
 * The kebab-case attributes by their camelCase property names lowercased. A framework that binds
 * `serverToken` on the tag before the element is defined, or renders it on the server, writes it
 * as an attribute, which HTML lowercases to `servertoken`: read as `server-token`, not lost.
 */
const LOWERCASED = {
  servertoken: ["serverToken", "server-token"],
  mutationstrength: ["mutationStrength", "mutation-strength"],
  storagekey: ["storageKey", "storage-key"],
} as const;

/** The lowercased camelCase names the element observes besides its own attributes. */
export const LOWERCASED_ATTRIBUTES: readonly string[] = Object.keys(LOWERCASED);

/**
 * The property that a lowercased camelCase attribute sets, and the kebab-case attribute that counts
 * over it where both are written.
 *
 * @param name An attribute's name.
 * @returns The property and the attribute, or `null` for any other attribute.
 * @example
 * ```ts
 * import { lowercasedAttribute } from "./framework-attributes.ts";
 * lowercasedAttribute("servertoken"); // ["serverToken", "server-token"]
 * lowercasedAttribute("seed"); // null
 * ```
 */
export function lowercasedAttribute(
  name: string,
): (typeof LOWERCASED)[keyof typeof LOWERCASED] | null {
  return Object.hasOwn(LOWERCASED, name) ? LOWERCASED[name as keyof typeof LOWERCASED] : null;
}

/**
 * `marking` as an attribute: present is on, except `marking="false"`, which React 18 writes for
 * `marking={false}` (as do Vue and Svelte on a tag not defined yet, and server-rendered HTML);
 * lit's Boolean reads any present value as true. Reflected as present (`""`) or absent.
 */
export const markingAttribute = {
  fromAttribute: (value: string | null): boolean => value !== null && value !== "false",
  toAttribute: (value: boolean): string | null => (value ? "" : null),
};
