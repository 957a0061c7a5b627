// The element on backend=server against the real Deno server: server-token (as an attribute and as
// a framework writes serverToken in HTML), a server that goes away and comes back (Try again), and
// backend=server without a server attribute.
import {
  assert,
  cleanup,
  loadBundle,
  mount,
  serverProxy,
  settle,
  shadow,
  tiles,
  until,
  waitForEvent,
} from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";

afterEach(cleanup);

describe("the element on backend=server", () => {
  it("server-token: a server that wants a token refuses the element without it, saying which attribute to set, and renders once it is set", async () => {
    const { url, token, error } = await (await fetch("/__le/server.json?token=1")).json();
    assert(url && token, `the token-protected Deno server did not start: ${error}`);
    const refused = waitForEvent<CustomEvent>(document, "le-error", () => true);
    const el = await mount({
      backend: "server",
      server: url,
      population: "2",
      seed: "6",
      "storage-key": "none",
    }, false);
    const message = (await refused).detail.message;
    assert(/HTTP 401.*server-token/.test(message), message);
    assert(!el.activeBackend, `rendered on ${el.activeBackend} without the token`);
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
    el.setAttribute("server-token", token);
    await end;
    assert(el.activeBackend === "server", `backend ${el.activeBackend}`);
    // A token set as a property (as frameworks bind it) works the same, and a wrong one is refused.
    const wrong = waitForEvent<CustomEvent>(el, "le-error", () => true);
    el.serverToken = "not-the-token";
    assert(/HTTP 401/.test((await wrong).detail.message), "a wrong token was let in");
  });

  it("server-token written as serverToken in HTML (lowercased to servertoken, as a framework writes it before the element is defined or on the server) reaches the server; so do storageKey and mutationStrength", async () => {
    const { url, token, error } = await (await fetch("/__le/server.json?token=1")).json();
    assert(url && token, `the token-protected Deno server did not start: ${error}`);
    await loadBundle();
    const html = document.createElement("div");
    html.innerHTML = `<latent-evolver backend="server" server="${url}" serverToken="${token}" population="2"
      seed="6" storageKey="none" mutationStrength="2"></latent-evolver>`;
    const el = html.firstElementChild as LatentEvolverElement;
    assert(el.getAttribute("servertoken") === token, "HTML did not lowercase the attribute's name");
    const errors: string[] = [];
    el.addEventListener("le-error", (e) => errors.push(e.detail.message));
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled, 20000);
    document.body.append(el);
    await end.catch(() => assert(false, `no render with the token: ${errors.join("; ")}`));
    assert(el.activeBackend === "server" && errors.length === 0, `${el.activeBackend}: ${errors.join("; ")}`);
    assert(el.serverToken === token, `the serverToken property is ${el.serverToken}`);
    assert(
      el.storageKey === "none" && el.mutationStrength === "2",
      "storagekey or mutationstrength was lost",
    );
    // The kebab-case attribute, where both are written, is the one that counts.
    const wrong = waitForEvent<CustomEvent>(el, "le-error", () => true);
    el.setAttribute("server-token", "not-the-token");
    el.setAttribute("servertoken", token);
    assert(/HTTP 401/.test((await wrong).detail.message), "servertoken overrode server-token");
  });

  it("a render that fails because the server went away names the server; Try again renders it once it is back", async () => {
    const url = await serverProxy();
    try {
      const el = await mount({
        backend: "server",
        server: url,
        population: "2",
        seed: "4",
        "storage-key": "none",
      });
      await serverProxy({ down: true });
      const failed = waitForEvent<CustomEvent>(el, "le-error", () => true);
      tiles(el)[0].click();
      const evolved = el.evolve();
      // While the requests wait to be sent again, the status says so; the failure takes it away.
      const retrying = () => shadow(el).querySelector("[part~=server-retry]")?.textContent ?? "";
      await until(() => retrying() !== "", "the status to say the server is tried again");
      assert(
        /^The image server is not answering; trying again \([123] of 3\)…$/.test(retrying()),
        retrying(),
      );
      await evolved;
      const { message, details } = (await failed).detail;
      // Said in words: the page, of another origin, may be refused too; the fetch's error in details.
      const words =
        /^Rendering failed: the image server at http:\/\/127\.0\.0\.1:\d+ is not answering, or it refuses this page's origin \(its --origins setting\)\.$/;
      assert(words.test(message), message);
      assert(
        /The server http:\/\/127\.0\.0\.1:\d+ cannot be reached: .*; tried 4 times$/.test(details),
        details,
      );
      await settle(el);
      assert(retrying() === "", `the retry still shows beside the error: ${retrying()}`);
      const retry = shadow(el).querySelector<HTMLButtonElement>("[part~=error] button[part~=retry]");
      assert(retry, "no Try again button beside the error");
      await serverProxy();
      const start = waitForEvent<CustomEvent>(el, "le-generation-start", () => true);
      const end = waitForEvent<CustomEvent>(el, "le-generation-end", () => true);
      const errs: string[] = [];
      el.addEventListener("le-error", (e) => errs.push((e as CustomEvent).detail.message));
      retry.focus();
      retry.click();
      assert(
        (await start).detail.reason === "retry" && (await start).detail.generation === 1,
        "not a retry of generation 1",
      );
      const e = await end;
      assert(
        !e.detail.cancelled && e.detail.done === 2,
        `the retry rendered ${JSON.stringify(e.detail)} ${errs}`,
      );
      await settle(el);
      assert(!shadow(el).querySelector("[part~=error]"), "the error stays after the retry rendered");
      // The button went with the error: the keyboard's focus went to the generation shown.
      const focused = shadow(el).activeElement;
      assert(focused?.matches('[part~="generation"][aria-current="true"]'), `focus on ${focused?.outerHTML}`);
    } finally {
      await serverProxy();
    }
  });

  it("backend=server without a server attribute shows the error and goes on with auto", async () => {
    const errors: string[] = [];
    const onError = (e: Event) => errors.push((e as CustomEvent).detail.message);
    document.addEventListener("le-error", onError);
    try {
      const el = await mount({ backend: "server", "storage-key": "none", population: "2" });
      assert(el.activeBackend !== null && el.activeBackend !== "server", `backend ${el.activeBackend}`);
      assert(
        errors.length === 1 && /needs the server attribute.*using auto/.test(errors[0]),
        JSON.stringify(errors),
      );
    } finally {
      document.removeEventListener("le-error", onError);
    }
  });
});
