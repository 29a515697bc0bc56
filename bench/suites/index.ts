/**
 * @module bench/suites
 *
 * Every suite, in the order a full run takes them. Planned: `pg` (issue 3:
 * PostgreSQL ingest, list and 1-vs-2-replica reads beside raw `pg` queries),
 * `admission` (issue 5: reviews per second beside a no-op webhook) and
 * `admission-warm` (issue 6: warm-cache reviews and one-image bursts).
 */
import type { Suite } from "../lib/suite.js";
import { attestSuite } from "./attest.js";
import { grpcSuite } from "./grpc.js";
import { ingestSuite } from "./ingest.js";
import { listSuite } from "./list.js";
import { restSuite } from "./rest.js";

export const suites: readonly Suite[] = [restSuite, grpcSuite, ingestSuite, listSuite, attestSuite];
