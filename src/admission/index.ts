/**
 * @module admission
 *
 * The Kritis-style admission gate: a pure policy engine over fetched and
 * verified metadata, the AdmissionReview webhook edge, and the metadata
 * adapters. docs/admission.md describes the rules; this is the public API.
 *
 * To serve the webhook in another process's setup (`scriba serve` for a
 * single-process install):
 *
 * ```ts
 * const policies = await loadPolicyDirectory(dir);
 * const handler = createAdmissionHandler({ policies, metadata: grafeasServiceMetadata(service), logger });
 * const webhook = await startWebhookServer({ host, port, tls: readTlsFiles(cert, key), handler, logger });
 * // … on shutdown: await webhook.close();
 * ```
 *
 * Or, for a webhook as it runs in a cluster (live policies, caches, records,
 * readiness, metrics, re-check), `startAdmissionWebhook` (./webhook-runtime.ts).
 */
export type { AdmissionInput } from "./admission-input.js";
export { defaultNamespace, namespaceOf, objectReferenceOf } from "./admission-input.js";
export type {
  AdmissionEvidence,
  AuthorityEvidence,
  AuthorityStatus,
  FetchResult,
  MetadataSnapshot,
} from "./admission-evidence.js";
export { attestationQueryKey, authorityEvidenceKey } from "./admission-evidence.js";
export type { AdmissionPlan, AttestationQuery, AuthorityCheck, PlannedImage, VulnerabilityQuery } from "./admission-plan.js";
export { planAdmission } from "./admission-plan.js";
export { type FetchOptions, fetchMetadata } from "./metadata-fetch.js";
export { type VerifyEvidenceOptions, verifyEvidence } from "./attestation-evidence.js";
export { type AuthorityKeys, AuthorityKeyring } from "./authority-keys.js";
export { type AdmissionEvaluation, type EvaluateOptions, type JudgeOptions, evaluateAdmission, judgeAdmission } from "./evaluate-admission.js";
export type { AttestOnPassCandidate } from "./isp-judgement.js";
export { type AttestOnPassOptions, type AttestOnPassResult, attestOnPass } from "./attest-on-pass.js";
export {
  type AttestorKey,
  type AttestorKeySpec,
  AttestorKeys,
  loadAttestorKeys,
  parseAttestorKeySpec,
} from "./attestor-keys.js";
export {
  type SecretSigner,
  type SecretSignerLookup,
  type SigningSecretsOptions,
  SigningSecrets,
} from "./signing-secrets.js";
export { type Breakglass, binauthzBreakglassKeys, findBreakglass, kritisBreakglassAnnotation } from "./breakglass.js";
export {
  type AdmissionOutcome,
  type AdmissionReviewer,
  type AdmissionReviewerOptions,
  type DecisionEvent,
  type ReviewOptions,
  createAdmissionReviewer,
  decisionLogFields,
  requestLogFields,
} from "./review-admission.js";
export {
  type AdmissionReviewRequest,
  type AdmissionReviewVersion,
  admissionResponse,
  admissionReviewVersions,
  admissionWarnings,
  internalErrorResponse,
  parseAdmissionReview,
} from "./admission-review.js";
export {
  type AdmissionHandlerOptions,
  type AdmissionRequestHandler,
  admissionRoute,
  answerMarginMs,
  createAdmissionHandler,
  defaultMaxBodyBytes,
  defaultReviewTimeoutMs,
  reviewBudgetMs,
} from "./admission-handler.js";
export { type AdmissionMetrics, createAdmissionMetrics } from "./admission-metrics.js";
export { type AnswerCacheOptions, AnswerCache, defaultAnswerTtlMs, defaultNegativeAnswerTtlMs } from "./cache/answer-cache.js";
export { type VerificationCacheOptions, VerificationCache, defaultVerificationTtlMs } from "./cache/verification-cache.js";
export { type CacheResult, type CacheStats, LruTtlCache } from "./cache/lru-ttl-cache.js";
export { answerVersion } from "./cache/answer-version.js";
export { authorityFingerprint } from "./cache/authority-fingerprint.js";
export { instrumentMetadata } from "./instrumented-metadata.js";
export { type PolicyProvider, fixedPolicies, reportPolicies, watchedPolicies } from "./policy-provider.js";
export { type ReadinessOptions, type ReadinessStatus, WebhookReadiness } from "./readiness.js";
export {
  type AdmissionWebhookOptions,
  type CacheSettings,
  type RecordSettings,
  type RunningAdmissionWebhook,
  startAdmissionWebhook,
} from "./webhook-runtime.js";
export { type AuditRecord, type AuditRecordContext, type AuditedEvent, type RecheckEvent, auditNoteId, auditRecord, auditedEvents, recheckAuditRecord } from "./records/audit-record.js";
export {
  type DeployedContainer,
  type DeploymentPlatform,
  type DeploymentRecordContext,
  type DeploymentRecords,
  deployedContainerOf,
  deploymentNote,
  deploymentPlatforms,
  deploymentRecords,
  imageResourceUri,
} from "./records/deployment-record.js";
export { type DecisionRecorder, type DecisionRecorderOptions, createDecisionRecorder } from "./records/decision-recorder.js";
export { type RecordQueueOptions, type RecordQueueStats, type RecordTask, type RecordType, RecordQueue } from "./records/record-queue.js";
export { clusterUri, objectUri, podUri } from "./records/object-uri.js";
export { type PodVerdict, podVerdict } from "./recheck/pod-marks.js";
export { type RecheckOptions, type RecheckSummary, podAdmissionInput, recheckPods } from "./recheck/recheck-pods.js";
export { type RecheckLoop, type RecheckLoopOptions, type RecheckSetup, createRecheck, startRecheckLoop } from "./recheck/recheck-runner.js";
export { type UndeployOptions, type UndeployResult, markUndeployed, openDeploymentsFilter } from "./recheck/undeploy.js";
export {
  type RunningWebhookServer,
  type TlsMaterial,
  type WebhookServerOptions,
  readTlsFiles,
  startWebhookServer,
} from "./webhook-server.js";
export {
  type ListCallOptions,
  type MetadataCallOptions,
  type MetadataSource,
  type NoteCreation,
  decorateMetadataSource,
  defaultMaxPages,
  probeProject,
} from "./metadata-source.js";
export { type GrafeasServiceMetadataOptions, grafeasServiceMetadata } from "./grafeas-service-metadata.js";
export { type RestMetadataOptions, restMetadata } from "./rest-metadata.js";
export { type GrpcMetadataOptions, grpcMetadata } from "./grpc-metadata.js";
export { type RemoteMetadataOptions, remoteMetadata } from "./remote-metadata.js";
export {
  type MetadataLocation,
  type StoreOpener,
  defaultStoreOpener,
  openMetadataSource,
} from "./embedded-metadata.js";
export { pinnedImageOfResourceUri, resourceUriCandidates, resourceUriFilter, vulnerabilityFilter } from "./resource-uris.js";
export {
  type ManifestObject,
  type ManifestOrigin,
  type ManifestRead,
  describeManifestOrigin,
  readManifestObjects,
} from "./manifest-objects.js";
