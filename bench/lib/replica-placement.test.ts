import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { CpuPlan } from "./pinning.js";
import { replicaPlacementNote, secondReplicaCpus } from "./replica-placement.js";

const plan = (allowed: number[], server = String(allowed[0]), client = String(allowed[1])): CpuPlan => ({
  pinning: "taskset",
  serverCpus: server,
  clientCpus: client,
  allowedCpus: allowed,
  note: "",
});

describe("replica placement", () => {
  test("on 2 cores the second replica shares the first one's core, and the note says why and what scaling needs", () => {
    const cpus = plan([0, 1]);
    assert.equal(secondReplicaCpus(cpus), "0");
    const note = replicaPlacementNote(cpus, "0", "0");
    assert.match(note, /^2 CPUs: both replicas pinned to CPU 0, sharing its core/);
    assert.match(note, /PostgreSQL/);
    assert.match(note, /needs ≥ 4 cores: one per replica, one for the load generator, one for PostgreSQL/);
  });

  test("with 4 cores the second replica gets the third CPU and the load generator keeps the second", () => {
    const cpus = plan([0, 1, 2, 3]);
    assert.equal(secondReplicaCpus(cpus), "2");
    assert.match(replicaPlacementNote(cpus, "0", "2"), /^replicas on CPUs 0 and 2, load generator on CPU 1/);
  });

  test("CPU lists given on the command line are kept for both replicas", () => {
    assert.equal(secondReplicaCpus(plan([0, 1, 2, 3], "3", "1")), "3");
  });
});
