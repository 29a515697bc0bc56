/**
 * The 2017 walkthrough's v1alpha1 calls, exactly as the seed makes them, with
 * a real `gpg --armor --clearsign` of the image digest — and the same objects
 * seen through grafeas.v1 with the official client, and v1 objects seen
 * through v1alpha1.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { expectFailure, grafeasClients, transportNames, type GrafeasClients } from "../support/grafeas-clients.js";
import { attestationNote, generatedOccurrenceName, imageUrl, paymentDigest, paymentImage, textOf, vulnerabilityNote, vulnerabilityOccurrence } from "../support/grafeas-fixtures.js";
import { GpgSigner } from "../support/gpg-signer.js";
import { http, okJson, type HttpReply } from "../support/http.js";
import { startTestServer, storeKinds, uniqueProject, type TestServer } from "../support/test-server.js";

/** note.json of the walkthrough. */
const noteJson = {
  name: "projects/image-signing/notes/qa",
  shortDescription: "Image Signing Authority",
  longDescription: "Image signing authority for the QA team",
  attestationAuthority: { hint: { humanReadableName: "qa" } },
};

/** image-digest.txt, as `echo sha256:… > image-digest.txt` writes it. */
const imageDigestTxt = `${paymentDigest}\n`;

/** The v1alpha1 occurrence body of the walkthrough, for a project and note. */
function occurrenceJson(signatureBase64: string, pgpKeyId: string, noteName = "projects/image-signing/notes/qa", field: "attestation" | "attestationDetails" = "attestation") {
  return {
    resourceUrl: paymentImage,
    noteName,
    [field]: { pgpSignedAttestation: { signature: signatureBase64, contentType: "application/vnd.gcr.image.url.v1", pgpKeyId } },
  };
}

function googleError(reply: HttpReply, status: number, code: string): string {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.json.error.code, status);
  assert.equal(reply.json.error.status, code);
  return reply.json.error.message as string;
}

describe("the v1alpha1 walkthrough", { timeout: 120_000 }, () => {
  let qa: GpgSigner;
  /** `gpg -u qa_bob@example.com --armor --clearsign image-digest.txt` */
  let signatureGpg: string;
  let signatureBase64: string;

  before(() => {
    qa = GpgSigner.create("qa_bob@example.com");
    signatureGpg = qa.clearsign(imageDigestTxt);
    signatureBase64 = Buffer.from(signatureGpg, "utf8").toString("base64");
  });

  after(() => qa?.remove());

  test("the signature is a real clearsigned message of the digest", () => {
    assert.match(signatureGpg, /^-----BEGIN PGP SIGNED MESSAGE-----\n/);
    assert.ok(signatureGpg.includes(`\n${paymentDigest}\n-----BEGIN PGP SIGNATURE-----`));
    assert.equal(qa.verifiedText(signatureGpg).trimEnd(), paymentDigest);
  });

  for (const store of storeKinds) {
    describe(`v1alpha1 (${store} store)`, () => {
      let server: TestServer;
      let clients: GrafeasClients;
      let base: string;
      /** The reply to the walkthrough's note creation, made first, in before(). */
      let noteReply: HttpReply;

      before(async () => {
        server = await startTestServer({ store });
        base = server.baseUrl;
        clients = grafeasClients(server.port);
        noteReply = await http(base, "POST", "/v1alpha1/projects/image-signing/notes?noteId=qa", { body: JSON.stringify(noteJson) });
      });

      after(async () => {
        await clients?.close();
        await server?.close();
      });

      /** A project with the walkthrough's note, made through v1alpha1. */
      async function projectWithNote(prefix: string) {
        const p = uniqueProject(prefix);
        okJson(await http(base, "POST", `/v1alpha1/projects/${p}/notes?noteId=qa`, { body: { ...noteJson, name: `projects/${p}/notes/qa` } }));
        return { p, noteName: `projects/${p}/notes/qa` };
      }

      /** The v1alpha1 reply for a signed occurrence of `noteName` in `p`. */
      async function signedOccurrenceIn(p: string, noteName: string): Promise<{ name: string } & Record<string, unknown>> {
        const reply = await http(base, "POST", `/v1alpha1/projects/${p}/occurrences`, { body: occurrenceJson(signatureBase64, qa.shortKeyId, noteName) });
        return okJson(reply) as { name: string } & Record<string, unknown>;
      }

      describe("the seed's calls", () => {
        test("curl -X POST /v1alpha1/projects/image-signing/notes?noteId=qa -d @note.json creates the authority note", () => {
          const note = okJson(noteReply);
          assert.equal(note.name, "projects/image-signing/notes/qa");
          assert.equal(note.kind, "ATTESTATION_AUTHORITY");
          assert.equal(note.shortDescription, noteJson.shortDescription);
          assert.equal(note.longDescription, noteJson.longDescription);
          assert.deepEqual(note.attestationAuthority, { hint: { humanReadableName: "qa" } });
          assert.match(note.createTime, /^\d{4}-\d\d-\d\dT/);
        });

        test("POST /v1alpha1/projects/image-signing/occurrences with the base64 clearsigned digest records the attestation", async () => {
          const occurrence = okJson(await http(base, "POST", "/v1alpha1/projects/image-signing/occurrences", { body: JSON.stringify(occurrenceJson(signatureBase64, qa.shortKeyId)) }));
          assert.match(occurrence.name, generatedOccurrenceName("image-signing"));
          assert.equal(occurrence.resourceUrl, paymentImage);
          assert.equal(occurrence.noteName, "projects/image-signing/notes/qa");
          assert.equal(occurrence.kind, "ATTESTATION_AUTHORITY");
          assert.equal(occurrence.attestation.pgpSignedAttestation.signature, signatureBase64);
          assert.equal(occurrence.attestation.pgpSignedAttestation.pgpKeyId, qa.shortKeyId);
        });

        test("creating the walkthrough's note again is 409 ALREADY_EXISTS", async () => {
          const reply = await http(base, "POST", "/v1alpha1/projects/image-signing/notes?noteId=qa", { body: JSON.stringify(noteJson) });
          assert.match(googleError(reply, 409, "ALREADY_EXISTS"), /projects\/image-signing\/notes\/qa/);
        });
      });

      describe("spellings the 2017 clients used", () => {
        test("the later attestationDetails field is accepted like attestation", async () => {
          const { p, noteName } = await projectWithNote("alpha-details");
          const occurrence = okJson(await http(base, "POST", `/v1alpha1/projects/${p}/occurrences`, {
            body: occurrenceJson(signatureBase64, qa.shortKeyId, noteName, "attestationDetails"),
          }));
          assert.equal(occurrence.attestation.pgpSignedAttestation.signature, signatureBase64);
        });

        test("the armored signature itself (not base64) is accepted too", async () => {
          const { p, noteName } = await projectWithNote("alpha-armored");
          const occurrence = okJson(await http(base, "POST", `/v1alpha1/projects/${p}/occurrences`, { body: occurrenceJson(signatureGpg, qa.shortKeyId, noteName) }));
          assert.equal(occurrence.attestation.pgpSignedAttestation.signature, signatureBase64);
        });

        test("the webhook's double-slash paths (//v1alpha1/…) are served", async () => {
          const { p, noteName } = await projectWithNote("alpha-double-slash");
          const created = await signedOccurrenceIn(p, noteName);
          const listed = okJson(await http(base, "GET", `//v1alpha1/projects/${p}/occurrences`));
          assert.deepEqual(listed.occurrences.map((o: { name: string }) => o.name), [created.name]);
          assert.equal(okJson(await http(base, "GET", `//v1alpha1/projects/${p}/notes/qa`)).name, noteName);
        });
      });

      describe("reads, lists and deletes under /v1alpha1", () => {
        test("GET a note and GET the list of notes", async () => {
          const { p, noteName } = await projectWithNote("alpha-get-note");
          const note = okJson(await http(base, "GET", `/v1alpha1/projects/${p}/notes/qa`));
          assert.equal(note.name, noteName);
          assert.equal(note.kind, "ATTESTATION_AUTHORITY");
          assert.deepEqual(okJson(await http(base, "GET", `/v1alpha1/projects/${p}/notes`)).notes.map((n: { name: string }) => n.name), [noteName]);
        });

        test("GET an occurrence, the list of occurrences, the occurrence's note and the note's occurrences", async () => {
          const { p, noteName } = await projectWithNote("alpha-get-occ");
          const created = await signedOccurrenceIn(p, noteName);
          assert.deepEqual(okJson(await http(base, "GET", `/v1alpha1/${created.name}`)), created);
          assert.deepEqual(okJson(await http(base, "GET", `/v1alpha1/projects/${p}/occurrences`)), { occurrences: [created] });
          assert.equal(okJson(await http(base, "GET", `/v1alpha1/${created.name}/notes`)).name, noteName);
          assert.deepEqual(okJson(await http(base, "GET", `/v1alpha1/${noteName}/occurrences`)), { occurrences: [created] });
        });

        test("DELETE the occurrence, then the note", async () => {
          const { p, noteName } = await projectWithNote("alpha-delete");
          const created = await signedOccurrenceIn(p, noteName);
          assert.match(googleError(await http(base, "DELETE", `/v1alpha1/${noteName}`), 412, "FAILED_PRECONDITION"), /still has occurrences/);
          assert.deepEqual(okJson(await http(base, "DELETE", `/v1alpha1/${created.name}`)), {});
          assert.deepEqual(okJson(await http(base, "DELETE", `/v1alpha1/${noteName}`)), {});
          googleError(await http(base, "GET", `/v1alpha1/${created.name}`), 404, "NOT_FOUND");
          googleError(await http(base, "GET", `/v1alpha1/${noteName}`), 404, "NOT_FOUND");
        });

        test("a missing note or occurrence is 404 NOT_FOUND, not the 2017 server's 400", async () => {
          const p = uniqueProject("alpha-missing");
          assert.match(googleError(await http(base, "GET", `/v1alpha1/projects/${p}/notes/absent`), 404, "NOT_FOUND"), /notes\/absent/);
          googleError(await http(base, "GET", `/v1alpha1/projects/${p}/occurrences/absent`), 404, "NOT_FOUND");
        });

        test("an occurrence of a note that does not exist is 412 FAILED_PRECONDITION", async () => {
          const p = uniqueProject("alpha-no-note");
          const reply = await http(base, "POST", `/v1alpha1/projects/${p}/occurrences`, { body: occurrenceJson(signatureBase64, qa.shortKeyId, `projects/${p}/notes/qa`) });
          googleError(reply, 412, "FAILED_PRECONDITION");
        });

        test("a signature that is not PGP is 400 naming the field", async () => {
          const { p, noteName } = await projectWithNote("alpha-bad-sig");
          const reply = await http(base, "POST", `/v1alpha1/projects/${p}/occurrences`, {
            body: occurrenceJson(Buffer.from("not a signature").toString("base64"), qa.shortKeyId, noteName),
          });
          assert.match(googleError(reply, 400, "INVALID_ARGUMENT"), /attestation\.pgpSignedAttestation\.signature/);
        });

        test("a field v1alpha1 never had is 400 naming it", async () => {
          const { p, noteName } = await projectWithNote("alpha-unknown");
          const reply = await http(base, "POST", `/v1alpha1/projects/${p}/occurrences`, {
            body: { ...occurrenceJson(signatureBase64, qa.shortKeyId, noteName), resourceUri: paymentImage },
          });
          assert.match(googleError(reply, 400, "INVALID_ARGUMENT"), /resourceUri/);
        });
      });

      describe("one set of objects, two APIs", () => {
        for (const transport of transportNames) {
          const client = () => (transport === "gRPC" ? clients.grpc : clients.rest);

          test(`${transport}: the v1alpha1 authority note is a v1 ATTESTATION note`, async () => {
            const { noteName } = await projectWithNote(`alpha-v1-note-${transport.toLowerCase()}`);
            const [note] = await client().getNote({ name: noteName });
            assert.equal(note.kind, "ATTESTATION");
            assert.equal(note.attestation?.hint?.humanReadableName, "qa");
            assert.equal(note.shortDescription, noteJson.shortDescription);
          });

          test(`${transport}: the v1alpha1 occurrence holds the armored signature and the signed digest text in v1`, async () => {
            const { p, noteName } = await projectWithNote(`alpha-v1-occ-${transport.toLowerCase()}`);
            const created = await signedOccurrenceIn(p, noteName);
            const [occurrence] = await client().getOccurrence({ name: created.name });
            assert.equal(occurrence.kind, "ATTESTATION");
            assert.equal(occurrence.resourceUri, paymentImage);
            assert.equal(occurrence.noteName, noteName);
            const signatures = occurrence.attestation?.signatures ?? [];
            assert.equal(signatures.length, 1);
            assert.equal(textOf(signatures[0]!.signature), signatureGpg);
            assert.equal(signatures[0]!.publicKeyId, qa.shortKeyId);
            const payload = textOf(occurrence.attestation?.serializedPayload);
            assert.equal(payload, paymentDigest);
            // What v1 stored is still a signature gpg verifies, over exactly that payload.
            assert.equal(qa.verifiedText(textOf(signatures[0]!.signature)).trimEnd(), payload);
          });
        }

        test("a v1 note and occurrence read through v1alpha1 with the 2017 names", async () => {
          const p = uniqueProject("v1-to-alpha");
          const [note] = await clients.grpc.createNote({ parent: `projects/${p}`, noteId: "qa", note: attestationNote("qa") });
          const [occurrence] = await clients.grpc.createOccurrence({
            parent: `projects/${p}`,
            occurrence: {
              resourceUri: paymentImage,
              noteName: note.name!,
              attestation: {
                serializedPayload: Buffer.from(paymentDigest),
                signatures: [{ signature: Buffer.from(signatureGpg), publicKeyId: qa.shortKeyId }],
              },
            },
          });
          const alphaNote = okJson(await http(base, "GET", `/v1alpha1/${note.name}`));
          assert.equal(alphaNote.kind, "ATTESTATION_AUTHORITY");
          assert.deepEqual(alphaNote.attestationAuthority, { hint: { humanReadableName: "qa" } });
          const alphaOccurrence = okJson(await http(base, "GET", `/v1alpha1/${occurrence.name}`));
          assert.equal(alphaOccurrence.resourceUrl, paymentImage);
          assert.equal(alphaOccurrence.kind, "ATTESTATION_AUTHORITY");
          assert.deepEqual(alphaOccurrence.attestation.pgpSignedAttestation, {
            signature: signatureBase64,
            contentType: "CONTENT_TYPE_UNSPECIFIED",
            pgpKeyId: qa.shortKeyId,
          });
        });

        test("a v1 vulnerability occurrence reads through v1alpha1 as vulnerabilityDetails", async () => {
          const p = uniqueProject("v1-vuln-to-alpha");
          const [note] = await clients.rest.createNote({ parent: `projects/${p}`, noteId: "cve", note: vulnerabilityNote() });
          const [occurrence] = await clients.rest.createOccurrence({ parent: `projects/${p}`, occurrence: vulnerabilityOccurrence(note.name!, imageUrl(p), "CRITICAL") });
          const alpha = okJson(await http(base, "GET", `/v1alpha1/${occurrence.name}`));
          assert.equal(alpha.kind, "PACKAGE_VULNERABILITY");
          assert.equal(alpha.resourceUrl, imageUrl(p));
          assert.equal(alpha.vulnerabilityDetails.effectiveSeverity, "CRITICAL");
          assert.equal(alpha.vulnerabilityDetails.packageIssue[0].affectedLocation.package, "openssl");
        });

        test("an occurrence deleted through v1 is gone from v1alpha1", async () => {
          const { p, noteName } = await projectWithNote("alpha-v1-delete");
          const created = await signedOccurrenceIn(p, noteName);
          await clients.grpc.deleteOccurrence({ name: created.name });
          googleError(await http(base, "GET", `/v1alpha1/${created.name}`), 404, "NOT_FOUND");
          await expectFailure("gRPC", clients.grpc.getOccurrence({ name: created.name }), "NOT_FOUND");
        });
      });

      test("no request made the server log an internal error", () => {
        assert.deepEqual(server.errorLog, []);
      });
    });
  }
});
