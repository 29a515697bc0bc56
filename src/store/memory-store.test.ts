import { describeStoreConformance } from "./conformance.js";
import { createMemoryStore } from "./memory-store.js";

describeStoreConformance("the memory store", () => Promise.resolve(createMemoryStore()));
