/**
 * @module bench/lib/replica-placement
 *
 * Where the second `scriba serve` replica of the pg suite runs, and what the
 * figure can say on this machine. Two replicas only show scaling when each
 * has a core and the load generator and PostgreSQL have their own: on fewer
 * than 4 cores they share the server's core, and the figure's note says so.
 */
import type { CpuPlan } from "./pinning.js";

/** The second replica's CPU list: its own core when there are enough (≥ 4) under the default plan, else beside the first. */
export function secondReplicaCpus(cpus: CpuPlan): string | undefined {
  // Only the default plan (server on the first allowed CPU, client on the second) is extended; given CPU lists are kept.
  const defaultPlan = cpus.serverCpus === String(cpus.allowedCpus[0]) && cpus.clientCpus === String(cpus.allowedCpus[1]);
  if (cpus.pinning !== "taskset" || !defaultPlan || cpus.allowedCpus.length < 4) return cpus.serverCpus;
  return String(cpus.allowedCpus[2]);
}

/** Why the replica figure measures what it measures here, and what would measure scaling. */
export function replicaPlacementNote(cpus: CpuPlan, first: string | undefined, second: string | undefined): string {
  const count = cpus.allowedCpus.length;
  if (first !== undefined && first !== second) {
    return `replicas on CPUs ${first} and ${second}, load generator on CPU ${cpus.clientCpus ?? "any"}, PostgreSQL unpinned (on the other CPUs or wherever the scheduler puts it)`;
  }
  const where = first === undefined ? "both replicas unpinned" : `both replicas pinned to CPU ${first}, sharing its core`;
  return (
    `${count || "?"} CPUs: ${where}, the load generator on CPU ${cpus.clientCpus ?? "any"}, and PostgreSQL (not started by the bench) ` +
    "running its backends on those same cores; two replicas can only share out one core here, so this figure shows their overhead, " +
    "not their scaling. Measuring scaling needs ≥ 4 cores: one per replica, one for the load generator, one for PostgreSQL."
  );
}
