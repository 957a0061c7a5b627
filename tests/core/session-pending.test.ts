// A session file carries the answer being given to its last generation (selection, points,
// settings): written, read back, checked, and absent from files written before it existed.
import assert from "node:assert/strict";
import {
  createRng,
  createSession,
  deserializeSession,
  deserializeSessionFile,
  evolve,
  type Feedback,
  generationBytes,
  joinSession,
  serializeSession,
  type Session,
  sessionHeader,
} from "../../core/mod.ts";

/** serializeSession(sessionBeforePending()) as the code before pending answers wrote it (eebf5f6). */
const WRITTEN_BEFORE_PENDING =
  "TEVWUwEAAADjAwAATTtLiHsiY29uZmlnIjp7InNoYXBlIjpbMSwyLDJdLCJwb3B1bGF0aW9uIjozLCJzdXJyb2dhdGUiOnRydWUsImRpdmVyc2VGaXJzdEJhdGNoIjp0cnVlLCJyZWdpb25SZWNvbWJpbmF0aW9uIjp0cnVlLCJleHBsb3JhdGlvbiI6MC4yNSwic2lnbWFEZWNheSI6MC40LCJzaWdtYSI6MSwiZWxpdGlzbSI6dHJ1ZSwiY2FuZGlkYXRlcyI6MzJ9LCJzaWdtYSI6MC40LCJnZW5lcmF0aW9ucyI6W3siaW5kZXgiOjAsImNvdW50IjozLCJsaW5lYWdlIjpbeyJvcGVyYXRvciI6ImRpdmVyc2UiLCJwYXJlbnRzIjpbXSwic2VlZCI6MzYxNjk4MjA1OCwicGFyYW1zIjp7ImJhdGNoIjozLCJwb3NpdGlvbiI6MH19LHsib3BlcmF0b3IiOiJkaXZlcnNlIiwicGFyZW50cyI6W10sInNlZWQiOjM2MTY5ODIwNTgsInBhcmFtcyI6eyJiYXRjaCI6MywicG9zaXRpb24iOjF9fSx7Im9wZXJhdG9yIjoiZGl2ZXJzZSIsInBhcmVudHMiOltdLCJzZWVkIjozNjE2OTgyMDU4LCJwYXJhbXMiOnsiYmF0Y2giOjMsInBvc2l0aW9uIjoyfX1dLCJmZWVkYmFjayI6eyJzZWxlY3RlZCI6WzFdLCJwb2ludHMiOnsiMSI6W3sieCI6MC4yNSwieSI6MC41fV19LCJzdHJlbmd0aCI6MC41fX0seyJpbmRleCI6MSwiY291bnQiOjMsImxpbmVhZ2UiOlt7Im9wZXJhdG9yIjoiZWxpdGUiLCJwYXJlbnRzIjpbeyJnZW5lcmF0aW9uIjowLCJpbmRleCI6MX1dLCJzZWVkIjowLCJwYXJhbXMiOnt9fSx7Im9wZXJhdG9yIjoibG9jYWwtbXV0YXRpb24iLCJwYXJlbnRzIjpbeyJnZW5lcmF0aW9uIjowLCJpbmRleCI6MX1dLCJwYXJhbXMiOnsicG9pbnRzIjpbeyJ4IjowLjI1LCJ5IjowLjV9XSwicmFkaXVzIjowLjUsIm1vZGUiOiJjaGFuZ2UiLCJzaGFwZSI6InNxdWFyZSIsInNvZnRFZGdlIjoxfSwic2VlZCI6MzI4NDA4Mjg3Nn0seyJvcGVyYXRvciI6ImRpdmVyc2UiLCJwYXJlbnRzIjpbXSwic2VlZCI6NzczMzY5NjAzLCJwYXJhbXMiOnsiYmF0Y2giOjEsInBvc2l0aW9uIjowfX1dfV0sImZsb2F0cyI6MjR9AAAAAAAAAAAAAAAAAIiNHD7Y9XS/qJqevzsanj87ZY8/oFEOP4J8AD/oKb0/5H+PPj0E0T/SEUy/f35Jvztljz+gUQ4/gnwAP+gpvT/ReQW/2xnUv1Vivb9iycc/VAMGPhx6CT8tmvQ/h65Tvg==";

/** The session WRITTEN_BEFORE_PENDING holds, made again the same way. */
function sessionBeforePending(): Session {
  const s = createSession({ shape: [1, 2, 2], population: 3 }, createRng(5));
  return evolve(s, { selected: [1], points: { 1: [{ x: 0.25, y: 0.5 }] }, strength: 0.5 }, createRng(6));
}

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

const PENDING: Feedback = {
  selected: [0, 2],
  points: { 2: [{ x: 0.125, y: 0.75 }, { x: 0.5, y: 0.25 }] },
  mode: "keep",
  strength: 0.75,
  radius: 0.3,
};

Deno.test("serializeSession() with a pending answer: deserializeSessionFile() gives it back, and the same session", () => {
  const s = sessionBeforePending();
  const file = deserializeSessionFile(serializeSession(s, PENDING));
  assert.deepEqual(file.pending, PENDING);
  assert.deepEqual(serializeSession(file.session), serializeSession(s), "the session read back differs");
  assert.deepEqual(deserializeSession(serializeSession(s, PENDING)), file.session);
  assert.equal(deserializeSessionFile(serializeSession(s)).pending, undefined, "a file without one has one");
});

Deno.test("deserializeSessionFile() reads a file written before pending answers: no answer, the same session", () => {
  const old = fromBase64(WRITTEN_BEFORE_PENDING);
  const file = deserializeSessionFile(old);
  assert.equal(file.pending, undefined);
  assert.equal(file.session.generations.length, 2);
  assert.deepEqual(file.session.generations[0].feedback?.selected, [1]);
  // Without a pending answer, a file is written as before, byte for byte.
  assert.deepEqual(serializeSession(sessionBeforePending()), old);
  assert.deepEqual(serializeSession(file.session), old);
});

Deno.test("a pending answer that does not fit the last generation is refused, writing and reading, naming why", () => {
  const s = sessionBeforePending();
  assert.throws(
    () => serializeSession(s, { selected: [3] }),
    /Cannot serialize a session: the pending answer to its last generation is invalid \(.*selected index 3 is outside the generation of 3 images\)/,
  );
  const header = JSON.parse(sessionHeader(s));
  header.pending = { selected: [1], points: { 0: [{ x: 0.5, y: 0.5 }] } };
  const bad = joinSession(JSON.stringify(header), s.generations.map(generationBytes));
  assert.throws(
    () => deserializeSessionFile(bad),
    /Cannot read a session: the pending answer to the last generation is invalid \(.*points given for image 0, which is not selected\)/,
  );
});
