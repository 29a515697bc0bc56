import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkListed, growthPlan, listRequest, occurrencesPerImage, sizeLabel } from "./list-workload.js";
import { imageUri } from "./workload.js";

describe("list workload", () => {
  test("round sizes are labelled as the options spell them, others in digits", () => {
    assert.deepEqual([100_000, 1_000_000, 2500, 1234].map(sizeLabel), ["100k", "1M", "2500", "1234"]);
  });

  test("growing a store puts each new row on one of that step's new images", () => {
    const plan = growthPlan(100_000, 200_000);
    assert.deepEqual([plan.from, plan.to], [100_000, 200_000]);
    const first = 100_000 / occurrencesPerImage;
    for (let n = 0; n < 1000; n++) {
      const image = plan.resourceOf(100_000 + n);
      assert.ok(image >= first && image < 200_000 / occurrencesPerImage, `image ${image} is outside the step's images`);
    }
  });

  test("a list request filters by the resource URI, percent-encoded", () => {
    const request = listRequest("https://r.example/a@sha256:00", 20);
    assert.equal(request.path, `/v1/projects/bench/occurrences?filter=${encodeURIComponent('resourceUri="https://r.example/a@sha256:00"')}&pageSize=20`);
  });

  test("a page is accepted only when it lists occurrences of that resource alone", () => {
    const uri = imageUri(1);
    checkListed(JSON.stringify({ occurrences: [{ resourceUri: uri }] }), uri);
    assert.throws(() => checkListed(JSON.stringify({ occurrences: [] }), uri), /returned 0 occurrences/);
    assert.throws(() => checkListed(JSON.stringify({ occurrences: [{ resourceUri: imageUri(2) }] }), uri), /not those of/);
  });
});
