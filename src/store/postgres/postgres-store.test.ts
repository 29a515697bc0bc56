import assert from "node:assert/strict";
import { test } from "node:test";
import { describeStoreConformance } from "../conformance.js";
import type { PostgresStore } from "./postgres-store.js";
import { describeWithPostgres } from "./__fixtures__/test-database.js";

describeWithPostgres("the PostgreSQL store", (postgres) => {
  describeStoreConformance(
    "the PostgreSQL store",
    async () => (await postgres.scratchStore()).store,
    (store) => postgres.closeScratchStore(store as PostgresStore),
  );

  test("the store reports its kind and answers ping", async () => {
    const { store } = await postgres.scratchStore();
    try {
      assert.equal(store.kind, "postgres");
      await store.ping();
    } finally {
      await postgres.closeScratchStore(store);
    }
  });
});
