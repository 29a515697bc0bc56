import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkRound, difference } from "./admission-bench.js";

const counted = (decisions: number, denials: number, verifications: number) => ({ decisions, denials, verifications, shared: 0, metadataCalls: 0 });

describe("admission rounds", () => {
  test("counters of a round are the difference of two readings", () => {
    const before = { decisions: 4, denials: 1, verifications: 28, shared: 1, metadataCalls: 8 };
    const after = { decisions: 10, denials: 1, verifications: 40, shared: 3, metadataCalls: 20 };
    assert.deepEqual(difference(after, before), { decisions: 6, denials: 0, verifications: 12, shared: 2, metadataCalls: 12 });
  });

  test("a cold round passes when every review ran its verifications", () => {
    assert.equal(checkRound(counted(50, 0, 1000), 20), undefined);
  });

  test("a cold round that verified less than every image fails", () => {
    assert.match(checkRound(counted(50, 0, 990), 20) ?? "", /990 verifications ran for 50 reviews, expected 1000/);
  });

  test("a warm round tolerates the slack and no more", () => {
    assert.equal(checkRound(counted(5000, 0, 20), 0, 20), undefined);
    assert.match(checkRound(counted(5000, 0, 21), 0, 20) ?? "", /expected 0 ± 20/);
  });

  test("a round with a denial or without decisions fails", () => {
    assert.match(checkRound(counted(50, 1, 1000), 20) ?? "", /1 of 50 reviews were denied/);
    assert.match(checkRound(counted(0, 0, 0), 0) ?? "", /decided no review/);
  });
});
