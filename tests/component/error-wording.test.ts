// The errors StatusMessages shows, in words: a refused session file, a server not answering (known by
// the origin in the error's cause), a start set to WebGPU alone where it cannot run, and the error box
// that folds the developer's message under Details.
import { StatusMessages } from "../../component/status-messages.ts";
import { passedOverForNow } from "../../component/plain-errors.ts";
import { NO_WEBGPU } from "../../component/worker/protocol.ts";
import { assert, elementStandIn } from "./helpers.ts";

describe("StatusMessages' errors", () => {
  it("a refused session file is said in words, core's reason kept as the error's details (in le-error too)", () => {
    const host = elementStandIn();
    const messages = new StatusMessages(host);
    const events: { message: string; details?: string }[] = [];
    host.addEventListener("le-error", (e) => events.push((e as CustomEvent).detail));
    const refuse = (reason: string) => {
      messages.imported("a.png", new Error(`Cannot read a session: ${reason}`));
      return [messages.error, messages.errorDetails];
    };
    const png = refuse('not a latent-evolver session (no "LEVS" signature)');
    assert(png[0] === "a.png is not a latent-evolver session file.", png[0]);
    assert(png[1] === 'Cannot read a session: not a latent-evolver session (no "LEVS" signature)', png[1]);
    assert(events[0].message === png[0] && events[0].details === png[1], JSON.stringify(events[0]));
    const damaged = "a.png is incomplete or damaged, so it was not imported.";
    for (
      const reason of [
        "truncated (header of 3999 bytes, file of 1000 bytes)",
        "corrupted (checksum 0xfb3c8c80, expected 0xfd873892)",
        "trailing bytes: expected 96 bytes, got 100",
      ]
    ) {
      const [text, details] = refuse(reason);
      assert(text === damaged && details.endsWith(reason), `${reason}: ${text} / ${details}`);
    }
    const newer = refuse("format version 9 is newer than this library reads (1); update latent-evolver");
    assert(/^a\.png was saved by a newer latent-evolver/.test(newer[0]), newer[0]);
    // A reason that already says what to do (the worker's) is shown as it is, with no details.
    messages.imported(
      "b.bin",
      new Error(
        'Cannot import the session: it has 4 images per generation, this element 8 (set population="4" to import it)',
      ),
    );
    assert(
      messages.error ===
          'Cannot import b.bin: it has 4 images per generation, this element 8 (set population="4" to import it)' &&
        messages.errorDetails === "" && events.at(-1)!.details === undefined,
      messages.error,
    );
  });

  it("a server not answering is said in words; its origin refusing the page only where the page is of another origin", () => {
    const messages = new StatusMessages(elementStandIn());
    // As server-http.ts makes them: the server's origin in the cause (protocol.ts UnreachableCause).
    const at = (origin: string) =>
      new Error(
        `The server ${origin} cannot be reached: Failed to fetch (or it refuses this page's origin: see its --origins); tried 4 times`,
        { cause: { unreachable: origin, error: new TypeError("Failed to fetch") } },
      );
    messages.fail("Rendering failed", at(location.origin));
    const same = `Rendering failed: the image server at ${location.origin} is not answering.`;
    assert(messages.error === same, messages.error);
    assert(
      messages.errorDetails === `Rendering failed: ${at(location.origin).message}`,
      messages.errorDetails,
    );
    messages.fail("Rendering failed", at("http://gpu.example:8000"));
    const other = "Rendering failed: the image server at http://gpu.example:8000 is not answering, " +
      "or it refuses this page's origin (its --origins setting).";
    assert(messages.error === other, messages.error);
    // A start on the server alone lists it in the cause; with other backends failed too, each is named.
    const start = (failures: { backend: string; message: string; unreachable?: string }[]) => {
      messages.fail(
        "The model could not be started",
        Object.assign(new Error("No backend can run the model"), { cause: { failures, skipped: [] } }),
      );
      return messages.error;
    };
    const server = {
      backend: "server",
      message: "the server http://gpu.example:8000/ cannot be reached: Failed to fetch",
      unreachable: "http://gpu.example:8000",
    };
    assert(
      /^The model could not be started: the image server at http:\/\/gpu\.example:8000 is not/.test(
        start([server]),
      ),
      messages.error,
    );
    const both = start([server, { backend: "wasm", message: "no memory" }]);
    assert(both === "The model could not be started: No backend can run the model", both);
    // An error of another kind is its message, with no details.
    messages.fail(
      "Rendering failed",
      new Error("The server http://gpu.example:8000 refused to render: HTTP 400"),
    );
    assert(
      messages.errorDetails === "" && /refused to render: HTTP 400$/.test(messages.error),
      messages.error,
    );
  });

  it("a server not answering is known by the origin in the error's cause, whatever its message says", () => {
    const messages = new StatusMessages(elementStandIn());
    const origin = "http://gpu.example:8000";
    // Reworded (a server-http.ts of another version, another language): the cause still names it.
    const reworded = new Error("Keine Verbindung zu http://other.example:1/ möglich; tried 4 times", {
      cause: { unreachable: origin, error: new TypeError("Failed to fetch") },
    });
    messages.fail("Rendering failed", reworded);
    const plain = `Rendering failed: the image server at ${origin} is not answering, ` +
      "or it refuses this page's origin (its --origins setting).";
    assert(messages.error === plain, messages.error);
    assert(messages.errorDetails === `Rendering failed: ${reworded.message}`, messages.errorDetails);
    const failures = [{ backend: "server", message: reworded.message, unreachable: origin }];
    messages.fail(
      "The model could not be started",
      new Error("No backend can run the model", { cause: { failures, skipped: [] } }),
    );
    assert(
      messages.error.startsWith(`The model could not be started: the image server at ${origin} `),
      messages.error,
    );
    // The old words without the cause are some other error, shown as its message: the words are not read.
    const words = "The server http://gpu.example:8000 cannot be reached: Failed to fetch; tried 4 times";
    messages.fail("Rendering failed", new Error(words));
    assert(messages.error === `Rendering failed: ${words}` && messages.errorDetails === "", messages.error);
  });

  it("a start set to WebGPU alone, in a browser without it, says so and what to do instead", () => {
    const messages = new StatusMessages(elementStandIn());
    const failures = [{
      backend: "webgpu",
      message: "this browser has no WebGPU (navigator.gpu is missing)",
    }];
    const error = new Error(`No backend can run the model "builtin" (webgpu: ${failures[0].message})`, {
      cause: { failures, skipped: ["webgpu"] },
    });
    messages.fail("The model could not be started", error);
    assert(
      messages.error ===
        'The model could not be started: the element is set to use WebGPU alone (backend="webgpu"), and ' +
          "this browser has no WebGPU (navigator.gpu is missing). Use a browser (or a machine) where WebGPU " +
          'works, or set backend="auto" (or "wasm", or a server attribute) to render without it.',
      messages.error,
    );
    assert(
      messages.errorDetails === `The model could not be started: ${error.message}`,
      messages.errorDetails,
    );
    // WebGPU tried and failed (a device lost at its start) may pass: that is shown as it is.
    messages.fail(
      "The model could not be started",
      new Error("No backend can run the model", { cause: { failures, skipped: [] } }),
    );
    assert(messages.error === "The model could not be started: No backend can run the model", messages.error);
  });

  it("a start set to WebGPU alone says what helps: https on a plain-http page, trying again with no adapter now", () => {
    const messages = new StatusMessages(elementStandIn());
    /** The start's error where WebGPU alone was passed over with this reason (backends/onnx.ts's). */
    const passedOver = (message: string) =>
      new Error(`No backend can run the model "builtin" (webgpu: ${message})`, {
        cause: { failures: [{ backend: "webgpu", message }], skipped: ["webgpu"] },
      });
    const alone =
      'The model could not be started: the element is set to use WebGPU alone (backend="webgpu"), and ';
    const without = 'backend="auto" (or "wasm", or a server attribute) to render without it.';
    const insecure = passedOver(NO_WEBGPU.insecure);
    messages.fail("The model could not be started", insecure);
    const https =
      "browsers give WebGPU only to pages served over https (or from localhost), not to this page on " +
      `plain http. Serve the page over https (or open it from localhost), or set ${without}`;
    assert(messages.error === alone + https, messages.error);
    const noAdapter = passedOver(NO_WEBGPU.noAdapter);
    messages.fail("The model could not be started", noAdapter);
    const again =
      "WebGPU has no adapter (requestAdapter() returned null), as while the GPU's process restarts. " +
      `Try again in a moment; if it stays so, use a browser (or a machine) where WebGPU works, or set ${without}`;
    assert(messages.error === alone + again, messages.error);
    // Only an adapter missing now may come back: the start that met it offers Try again.
    const missing = passedOver(NO_WEBGPU.missing);
    assert(
      passedOverForNow(noAdapter) && !passedOverForNow(insecure) && !passedOverForNow(missing),
      "for now",
    );
  });

  it("the error box folds the developer's message under Details", async () => {
    const { render } = await import("lit");
    const { renderErrors } = await import("../../component/status.render.ts");
    const box = document.createElement("div");
    render(
      renderErrors(["a.png is not a latent-evolver session file."], null, undefined, 'no "LEVS" signature'),
      box,
    );
    const details = box.querySelector<HTMLDetailsElement>('[part~="error"] > details[part~="error-details"]');
    assert(details && !details.open, "no closed Details");
    assert(details.querySelector("summary")!.textContent === "Details", details.innerHTML);
    assert(details.textContent!.endsWith('no "LEVS" signature'), details.textContent!);
    render(renderErrors(["Rendering failed: HTTP 400"], null), box);
    assert(!box.querySelector("details"), "Details without any");
  });
});
