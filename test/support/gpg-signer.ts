/**
 * @module test/support/gpg-signer
 *
 * The QA engineer of the 2017 walkthrough: a real GnuPG key in a throw-away
 * GNUPGHOME, `gpg --armor --clearsign` of the image digest, and the short key
 * ID the walkthrough puts in `pgpKeyId`. Built on the attest fixtures' GpgHome.
 */
import { GpgHome } from "../../src/attest/__fixtures__/gpg-home.js";

export class GpgSigner {
  private constructor(
    private readonly home: GpgHome,
    /** The primary key's fingerprint (40 hex digits). */
    readonly fingerprint: string,
  ) {}

  /** Generates a key for `userId` (e.g. `qa_bob@example.com`) in a new GNUPGHOME. */
  static create(userId: string): GpgSigner {
    const home = GpgHome.create();
    try {
      return new GpgSigner(home, home.generate(userId));
    } catch (error) {
      home.remove();
      throw error;
    }
  }

  /** What `gpg --keyid-format short` shows: the last 8 hex digits of the fingerprint. */
  get shortKeyId(): string {
    return this.fingerprint.slice(-8);
  }

  /** `gpg -u KEY --armor --clearsign`: the armored clearsigned message. */
  clearsign(text: string): string {
    return this.home.sign(this.fingerprint, ["--armor", "--clearsign"], text).toString("utf8");
  }

  /** Verifies an armored signed message with gpg and returns the text it signs; throws if it does not verify. */
  verifiedText(armored: string): string {
    return this.home.run(["--decrypt"], { input: armored }).toString("utf8");
  }

  remove(): void {
    this.home.remove();
  }
}
