/**
 * @module bench/suites
 *
 * Every suite, in the order a full run takes them.
 */
import type { Suite } from "../lib/suite.js";
import { admissionSuite } from "./admission.js";
import { admissionWarmSuite } from "./admission-warm.js";
import { attestSuite } from "./attest.js";
import { grpcSuite } from "./grpc.js";
import { ingestSuite } from "./ingest.js";
import { listSuite } from "./list.js";
import { pgSuite } from "./pg.js";
import { restSuite } from "./rest.js";

export const suites: readonly Suite[] = [restSuite, grpcSuite, ingestSuite, listSuite, attestSuite, pgSuite, admissionSuite, admissionWarmSuite];
