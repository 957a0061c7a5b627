/**
 * Stops an import outside a browser with a message that says what to do. Frameworks that render on
 * the server (Next.js, Nuxt, SvelteKit) evaluate imports there, where the element's base class has
 * no `HTMLElement` to extend; the bare ReferenceError would not say that the fix is to import the
 * element on the client. Imported first by latent-evolver.ts, so it runs before lit.
 *
 * @module
 */

if (typeof HTMLElement === "undefined" || typeof customElements === "undefined") {
  throw new Error(
    "latent-evolver runs in the browser, and this is not one (no HTMLElement or customElements): " +
      "when your framework renders on the server, import it on the client only, for example " +
      'useEffect(() => { import("latent-evolver"); }, []) in React, onMount in Svelte, a .client plugin in Nuxt',
  );
}
