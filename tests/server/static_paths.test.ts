// A static path never leaves its folder (server/static.ts): each way out is refused for its own
// reason, and a symlink that resolves outside reads as a missing file.
import assert from "node:assert/strict";
import { safeSegments, StaticPathError } from "../../server/static.ts";
import { fakeModel } from "./fake_model.ts";
import { rawGet, startTestServer } from "./server_helpers.ts";

Deno.test("server: a path that would leave its static folder is refused, each with its status and reason", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "le-static-" });
  const site = `${tmp}/site`;
  const dist = `${tmp}/dist`;
  await Deno.mkdir(`${site}/sub`, { recursive: true });
  await Deno.mkdir(dist);
  await Deno.writeTextFile(`${tmp}/secret.txt`, "TOP SECRET");
  await Deno.symlink(`${tmp}/secret.txt`, `${site}/leak.txt`);
  const s = startTestServer({
    models: [fakeModel()],
    staticRoots: [{ prefix: "/dist/", dir: dist }, { prefix: "/", dir: site }],
  });
  // Dot segments, plain or encoded, are resolved by the URL parser before the server sees the path:
  // what is left is a file the folder does not hold (404). An encoded slash or backslash, or a drive
  // letter, would join a segment to what is outside (403); a NUL byte is malformed (400).
  const leaves = (segment: string) => [403, `segment "${segment}" leaves the served folder`] as const;
  const attempts: [string, number, string][] = [
    ["/../secret.txt", 404, "Not found: /secret.txt"],
    ["/sub/../../secret.txt", 404, "Not found: /secret.txt"],
    ["/%2e%2e/secret.txt", 404, "Not found: /secret.txt"],
    ["/dist/%2e%2e/secret.txt", 404, "Not found: /secret.txt"],
    ["/%252e%252e/secret.txt", 404, "Not found: /%252e%252e/secret.txt"],
    ["/leak.txt", 404, "Not found: /leak.txt"],
    ["//etc/passwd", 404, "Not found: //etc/passwd"],
    [`/${tmp}/secret.txt`, 404, `Not found: /${tmp}/secret.txt`],
    ["/%2E%2E%2Fsecret.txt", ...leaves("%2E%2E%2Fsecret.txt")],
    ["/..%2fsecret.txt", ...leaves("..%2fsecret.txt")],
    ["/..%5csecret.txt", ...leaves("..%5csecret.txt")],
    ["/sub/..%2f..%2fsecret.txt", ...leaves("..%2f..%2fsecret.txt")],
    ["/dist/..%2f..%2fsecret.txt", ...leaves("..%2f..%2fsecret.txt")],
    ["/C:%5cWindows", ...leaves("C:%5cWindows")],
    ["/C:", ...leaves("C:")],
    ["/%00/secret.txt", 400, "Cannot serve path: NUL byte in path"],
    ["/sub/a%00.txt", 400, "Cannot serve path: NUL byte in path"],
  ];
  try {
    for (const [target, status, reason] of attempts) {
      const text = await rawGet(s.server.addr.port, target);
      assert.equal(Number(text.split(" ")[1]), status, `${target}: ${text.split("\r\n")[0]}`);
      assert.ok(text.includes(JSON.stringify(reason).slice(1, -1)), `${target}: ${text}`);
      assert.ok(!text.includes("TOP SECRET"), target);
    }
  } finally {
    await s.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("safeSegments() refuses dot segments, slashes and backslashes within a segment, and drive letters", () => {
  for (const rest of ["..", "a/../b", "%2e%2e/x", ".", "a/%2E/b", "a%2fb", "a%5Cb", "c:", "C:%5cWindows"]) {
    assert.throws(
      () => safeSegments(rest),
      (e) =>
        e instanceof StaticPathError && e.status === 403 &&
        /^Cannot serve path: segment ".*" leaves the served folder$/.test(e.message),
      rest,
    );
  }
  assert.throws(() => safeSegments("a/%zz"), (e) => e instanceof StaticPathError && e.status === 400);
  // Dots within a name are a name: only a whole "." or ".." segment moves.
  assert.deepEqual(safeSegments("/a//...//b%20c.js/.hidden"), ["a", "...", "b c.js", ".hidden"]);
});

Deno.test("server: a symlink out of a served folder reads as missing, telling nothing of what is outside", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "le-link-" });
  await Deno.mkdir(`${tmp}/site`);
  await Deno.mkdir(`${tmp}/outside`);
  // A sibling whose name starts as the served folder's does: its paths start with the folder's path.
  await Deno.mkdir(`${tmp}/site-private`);
  await Deno.writeTextFile(`${tmp}/outside/passwd`, "root:x:0:0");
  await Deno.writeTextFile(`${tmp}/site-private/secret.txt`, "TOP SECRET");
  await Deno.symlink(`${tmp}/outside`, `${tmp}/site/etc`); // as etc -> /etc
  await Deno.symlink(`${tmp}/outside/passwd`, `${tmp}/site/passwd`);
  await Deno.symlink(`${tmp}/site-private`, `${tmp}/site/private`);
  await Deno.symlink(`${tmp}/site-private/secret.txt`, `${tmp}/site/secret.txt`);
  const s = startTestServer({ models: [fakeModel()], staticRoots: [{ prefix: "/", dir: `${tmp}/site` }] });
  try {
    for (
      const [there, missing] of [
        ["/etc/passwd", "/etc/nonexistent"],
        ["/passwd", "/nonexistent"],
        ["/private/secret.txt", "/private/nonexistent"],
        ["/secret.txt", "/nonexistent"],
      ]
    ) {
      const a = await fetch(`${s.url}${there}`);
      const b = await fetch(`${s.url}${missing}`);
      const [ta, tb] = [await a.text(), await b.text()];
      assert.equal(a.status, 404, `${there}: ${ta}`);
      assert.equal(b.status, 404, missing);
      assert.equal(ta.replace(there, "PATH"), tb.replace(missing, "PATH"), "the same answer");
    }
  } finally {
    await s.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
