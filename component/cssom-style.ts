/**
 * Inline styles set through the CSSOM, for pages whose Content-Security-Policy has a `style-src`
 * without 'unsafe-inline': such a policy refuses `style` attributes, and lit's `styleMap` writes one
 * on its first render (it sets properties one by one only on later ones). `style.setProperty` is never
 * refused. tests/component/cross-origin.test.ts renders the element under such a policy.
 *
 * @module
 */
import { noChange } from "lit";
import { type AttributePart, Directive, directive, type PartInfo, PartType } from "lit/directive.js";

class CssomStyleDirective extends Directive {
  #names = new Set<string>();

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ATTRIBUTE || part.name !== "style") {
      throw new TypeError("Cannot use cssomStyle: it binds the style attribute only");
    }
  }

  render(_styles: Readonly<Record<string, string>>): typeof noChange {
    return noChange;
  }

  override update(part: AttributePart, [styles]: [Readonly<Record<string, string>>]): typeof noChange {
    const { style } = part.element as HTMLElement;
    for (const name of this.#names) if (!(name in styles)) style.removeProperty(name);
    for (const [name, value] of Object.entries(styles)) style.setProperty(name, value);
    this.#names = new Set(Object.keys(styles));
    return noChange;
  }
}

/**
 * Sets an element's inline style properties (CSS names: `left`, `--le-columns`) through the CSSOM.
 *
 * @example
 * ```ts
 * html`<span style=${cssomStyle({ left: "10%", top: "20%" })}></span>`;
 * ```
 */
export const cssomStyle = directive(CssomStyleDirective);
