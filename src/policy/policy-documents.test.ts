import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stringify } from "yaml";
import { ScribaError } from "../errors.js";
import { example, exampleDirectory, exampleFiles, withField } from "./crds/test-fixtures.js";
import type { JsonObject } from "./crds/field-reader.js";
import { collectPolicyObjects, loadPolicyDirectory, parsePolicyDocuments } from "./policy-documents.js";
import type { CollectedPolicies } from "./policy-set.js";
import { assemblePolicySet, invalidPolicyMessage, policiesForNamespace } from "./policy-set.js";

const authority = example("attestation-authority.yaml");
const gap = example("generic-attestation-policy.yaml");
const isp = example("image-security-policy.yaml");
const config = example("kritis-config.yaml");

const yamlOf = (...objects: JsonObject[]) => objects.map((o) => stringify(o)).join("---\n");

const messages = (collected: CollectedPolicies) => collected.problems.map((p) => p.message);

describe("parsing policy documents", () => {
  test("a multi-document YAML file yields every policy object in order", () => {
    const collected = parsePolicyDocuments(yamlOf(authority, gap, isp, config), "policies.yaml");
    assert.deepEqual(messages(collected), []);
    assert.deepEqual(
      collected.objects.map((o) => [o.value.kind, o.origin?.documentNumber]),
      [
        ["AttestationAuthority", 1],
        ["GenericAttestationPolicy", 2],
        ["ImageSecurityPolicy", 3],
        ["KritisConfig", 4],
      ],
    );
  });

  test("an invalid object is reported with file, document number, object and field path", () => {
    const bad = withField(isp, "spec.packageVulnerabilityRequirements.maximumSeverity", "SEVERE");
    const collected = parsePolicyDocuments(yamlOf(authority, bad), "prod.yaml");
    assert.deepEqual(messages(collected), [
      'prod.yaml document 2: ImageSecurityPolicy prod/no-high-fixable: spec.packageVulnerabilityRequirements.maximumSeverity: must be one of LOW, MEDIUM, HIGH, CRITICAL, BLOCK_ALL, ALLOW_ALL, MINIMAL, SEVERITY_UNSPECIFIED; got "SEVERE"',
    ]);
    assert.equal(collected.problems[0]?.namespace, "prod");
  });

  test("every invalid object in a file is reported, not only the first", () => {
    const collected = parsePolicyDocuments(
      yamlOf(withField(gap, "spec.attestationAuthorityNames", []), withField(isp, "spec.enforcementMode", "WARN")),
      "prod.yaml",
    );
    assert.equal(collected.problems.length, 2);
    assert.match(collected.problems[0]?.message ?? "", /^prod\.yaml document 1: GenericAttestationPolicy prod\/require-qa: spec\.attestationAuthorityNames/);
    assert.match(collected.problems[1]?.message ?? "", /^prod\.yaml document 2: ImageSecurityPolicy prod\/no-high-fixable: spec\.enforcementMode/);
  });

  test("a kind: List is unpacked and a bad item is named by its index", () => {
    const list = { apiVersion: "v1", kind: "List", items: [gap, withField(authority, "spec.publicKeys", [])] };
    const collected = parsePolicyDocuments(stringify(list), "list.yaml");
    assert.deepEqual(collected.objects.map((o) => o.origin?.itemPath), ["items[0]"]);
    assert.match(messages(collected)[0] ?? "", /^list\.yaml document 1 items\[1\]: AttestationAuthority prod\/qa: spec\.publicKeys: at least one public key/);
  });

  test("an ImageSecurityPolicyList as the API returns it is unpacked", () => {
    const list = { apiVersion: "kritis.grafeas.io/v1beta1", kind: "ImageSecurityPolicyList", items: [isp] };
    assert.equal(parsePolicyDocuments(stringify(list), "isps.yaml").objects.length, 1);
  });

  test("a .json file is read as JSON", () => {
    const collected = parsePolicyDocuments(JSON.stringify({ apiVersion: "v1", kind: "List", items: [authority, gap] }), "policies.json");
    assert.deepEqual(collected.objects.map((o) => o.value.kind), ["AttestationAuthority", "GenericAttestationPolicy"]);
  });

  test("unrelated kinds are skipped with a note", () => {
    const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } };
    const signer = { apiVersion: "kritis.grafeas.io/v1beta1", kind: "VulnzSigningPolicy", metadata: { name: "s" } };
    const collected = parsePolicyDocuments(yamlOf(configMap, signer), "mixed.yaml");
    assert.deepEqual(collected.problems, []);
    assert.deepEqual(
      collected.notes.map((n) => n.message),
      [
        "mixed.yaml document 1: ConfigMap (v1) is not a policy kind; ignored",
        "mixed.yaml document 2: VulnzSigningPolicy is not read by the admission webhook; ignored",
      ],
    );
  });

  test("empty documents and comment-only documents are skipped silently", () => {
    const collected = parsePolicyDocuments(`---\n# nothing here\n---\n${stringify(gap)}---\n`, "sparse.yaml");
    assert.equal(collected.objects.length, 1);
    assert.deepEqual(collected.problems, []);
    assert.deepEqual(collected.notes, []);
  });

  test("a YAML syntax error is a problem for every namespace, with its line and column", () => {
    const collected = parsePolicyDocuments(`${stringify(gap)}---\nkind: [unclosed\n`, "broken.yaml");
    assert.equal(collected.objects.length, 1);
    assert.equal(collected.problems.length, 1);
    assert.equal(collected.problems[0]?.namespace, undefined);
    assert.match(collected.problems[0]?.message ?? "", /^broken\.yaml document 2: not valid YAML: line \d+, column \d+: /);
  });

  test("a duplicate key is a YAML error", () => {
    const collected = parsePolicyDocuments("apiVersion: v1\nkind: List\nkind: List\n", "dup.yaml");
    assert.match(messages(collected)[0] ?? "", /not valid YAML: line 3, column 1: Map keys must be unique/);
  });

  test("invalid JSON is a problem for every namespace", () => {
    const collected = parsePolicyDocuments("{", "bad.json");
    assert.equal(collected.problems[0]?.namespace, undefined);
    assert.match(messages(collected)[0] ?? "", /^bad\.json: not valid JSON/);
  });

  test("a document without kind is a problem for every namespace", () => {
    const collected = parsePolicyDocuments("apiVersion: kritis.grafeas.io/v1beta1\nmetadata: {name: x}\n", "nokind.yaml");
    assert.deepEqual(messages(collected), ["nokind.yaml document 1: not a Kubernetes object (apiVersion and kind are required)"]);
  });

  test("a scalar document is a problem for every namespace", () => {
    assert.match(messages(parsePolicyDocuments("just text\n", "text.yaml"))[0] ?? "", /not a Kubernetes object \(a string value\)/);
  });

  test("a policy without a namespace is a problem for every namespace unless a default namespace is given", () => {
    const bare = withField(gap, "metadata.namespace", undefined);
    const without = parsePolicyDocuments(stringify(bare), "gap.yaml");
    assert.equal(without.problems[0]?.namespace, undefined);
    assert.match(without.problems[0]?.message ?? "", /GenericAttestationPolicy require-qa: metadata\.namespace: required/);
    const withDefault = parsePolicyDocuments(stringify(bare), "gap.yaml", { defaultNamespace: "team-a" });
    assert.equal(withDefault.objects[0]?.value.kind === "GenericAttestationPolicy" && withDefault.objects[0].value.namespace, "team-a");
  });

  test("a policy kind of an unknown kritis.grafeas.io version is invalid in its namespace, not ignored", () => {
    const collected = parsePolicyDocuments(stringify(withField(isp, "apiVersion", "kritis.grafeas.io/v1")), "v1.yaml");
    assert.equal(collected.problems[0]?.namespace, "prod");
    assert.match(collected.problems[0]?.message ?? "", /apiVersion: must be kritis\.grafeas\.io\/v1beta1/);
  });

  test("objects from an API list are labelled by their index", () => {
    const collected = collectPolicyObjects([gap, withField(gap, "metadata.name", "Bad Name")], "kubernetes-api");
    assert.match(messages(collected)[0] ?? "", /^kubernetes-api items\[1\]: GenericAttestationPolicy prod\/Bad Name: metadata\.name/);
  });
});

describe("assembling the policy set", () => {
  const assemble = (...objects: JsonObject[]) => assemblePolicySet(parsePolicyDocuments(yamlOf(...objects), "policies.yaml"));

  test("a namespace's GAP gets its authorities resolved and its ISP is listed", () => {
    const view = policiesForNamespace(assemble(authority, gap, isp), "prod");
    assert.deepEqual(view.problems, []);
    assert.equal(view.hasPolicies, true);
    assert.deepEqual(view.genericAttestationPolicies[0]?.authorities.map((a) => a.noteReference), ["projects/image-signing/notes/qa"]);
    assert.equal(view.imageSecurityPolicies[0]?.policy.name, "no-high-fixable");
  });

  test("a namespace without policies has none, and the configuration decides", () => {
    const view = policiesForNamespace(assemble(authority, gap, config), "staging");
    assert.equal(view.hasPolicies, false);
    assert.deepEqual(view.problems, []);
    assert.equal(view.config.noPolicyDefault, "DENY");
  });

  test("an invalid policy fails closed in its namespace with a precise message", () => {
    const set = assemble(authority, withField(gap, "spec.admissionAllowlistPatterns[0].namePattern", "gcr.io/*/x"));
    const view = policiesForNamespace(set, "prod");
    assert.equal(view.problems.length, 1);
    assert.equal(
      invalidPolicyMessage("prod", view.problems[0]!),
      'namespace prod has an invalid policy: policies.yaml document 2: GenericAttestationPolicy prod/require-qa: spec.admissionAllowlistPatterns[0].namePattern: name pattern "gcr.io/*/x" has a wildcard before its end; only a trailing * or ** is allowed',
    );
    assert.deepEqual(policiesForNamespace(set, "staging").problems, []);
  });

  test("a GAP naming an authority that does not exist fails closed in its namespace", () => {
    const view = policiesForNamespace(assemble(gap), "prod");
    assert.equal(view.genericAttestationPolicies.length, 0);
    assert.deepEqual(view.problems.map((p) => p.message), [
      'policies.yaml document 1: GenericAttestationPolicy prod/require-qa: spec.attestationAuthorityNames[0]: AttestationAuthority "qa" not found in namespace prod',
    ]);
  });

  test("an authority in another namespace does not satisfy a GAP's reference", () => {
    const view = policiesForNamespace(assemble(withField(authority, "metadata.namespace", "other"), gap), "prod");
    assert.match(view.problems[0]?.message ?? "", /AttestationAuthority "qa" not found in namespace prod/);
  });

  test("a GAP naming an invalid authority says the authority is invalid", () => {
    const view = policiesForNamespace(assemble(withField(authority, "spec.publicKeys", []), gap), "prod");
    assert.equal(view.problems.length, 2);
    assert.match(view.problems[1]?.message ?? "", /AttestationAuthority "qa" in namespace prod is invalid \(see the problem reported for it\)/);
  });

  test("an ISP naming a missing attest-on-pass authority fails closed", () => {
    const view = policiesForNamespace(assemble(withField(isp, "spec.attestationAuthorityName", "vulnz-checked")), "prod");
    assert.equal(view.imageSecurityPolicies.length, 0);
    assert.match(view.problems[0]?.message ?? "", /spec\.attestationAuthorityName: AttestationAuthority "vulnz-checked" not found in namespace prod/);
  });

  test("an ISP naming an existing authority has it resolved", () => {
    const view = policiesForNamespace(assemble(authority, withField(isp, "spec.attestationAuthorityName", "qa")), "prod");
    assert.equal(view.imageSecurityPolicies[0]?.authority?.name, "qa");
  });

  test("the same object defined twice fails closed in its namespace", () => {
    const set = assemblePolicySet([
      parsePolicyDocuments(yamlOf(authority, gap), "a.yaml"),
      parsePolicyDocuments(yamlOf(gap), "b.yaml"),
    ]);
    assert.deepEqual(policiesForNamespace(set, "prod").problems.map((p) => p.message), [
      "b.yaml document 1: GenericAttestationPolicy prod/require-qa: defined more than once (also in a.yaml document 2); remove one",
    ]);
  });

  test("a problem that cannot be attributed denies in every namespace but not in exempt ones", () => {
    const set = assemblePolicySet([
      parsePolicyDocuments(yamlOf(config), "config.yaml"),
      parsePolicyDocuments("kind: [", "broken.yaml"),
    ]);
    assert.equal(policiesForNamespace(set, "anything").problems.length, 1);
    const exempt = policiesForNamespace(set, "kube-system");
    assert.equal(exempt.exempt, true);
  });

  test("an invalid KritisConfig denies everywhere and voids the exemptions", () => {
    const set = assemble(withField(config, "spec.noPolicyDefault", "MAYBE"));
    assert.equal(set.configValid, false);
    const view = policiesForNamespace(set, "kube-system");
    assert.equal(view.exempt, false);
    assert.match(view.problems[0]?.message ?? "", /KritisConfig kritis-config: spec\.noPolicyDefault: must be one of ALLOW, DENY/);
    assert.equal(view.config.noPolicyDefault, "ALLOW");
  });

  test("two KritisConfigs deny everywhere", () => {
    const set = assemble(config, withField(config, "metadata.name", "second"));
    assert.equal(set.configValid, false);
    assert.match(policiesForNamespace(set, "prod").problems[0]?.message ?? "", /more than one KritisConfig \(policies\.yaml document 1, policies\.yaml document 2\); keep exactly one/);
  });

  test("without a KritisConfig the defaults apply", () => {
    const set = assemble(authority, gap);
    assert.equal(set.configValid, true);
    assert.equal(set.config.noPolicyDefault, "ALLOW");
    assert.deepEqual(set.config.vulnerabilityProjects, ["kritis"]);
  });
});

describe("loading a policy directory", () => {
  let directory = "";

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "scriba-policies-"));
    // The layout Kubernetes gives a mounted ConfigMap: hidden versioned data behind symlinks.
    await mkdir(join(directory, "..2024_01_01_00_00_00.000"));
    await writeFile(join(directory, "..2024_01_01_00_00_00.000", "b-policies.yaml"), yamlOf(gap, isp));
    await symlink("..2024_01_01_00_00_00.000", join(directory, "..data"));
    await symlink(join("..data", "b-policies.yaml"), join(directory, "b-policies.yaml"));
    await writeFile(join(directory, "a-authority.yml"), yamlOf(authority));
    await writeFile(join(directory, "c-config.json"), JSON.stringify(config));
    await writeFile(join(directory, "README.md"), "# not a manifest\n");
    await writeFile(join(directory, ".hidden.yaml"), "kind: [");
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  test("every manifest is read once, hidden entries and other files are skipped", async () => {
    const set = await loadPolicyDirectory(directory);
    assert.deepEqual(set.clusterProblems, []);
    const view = policiesForNamespace(set, "prod");
    assert.deepEqual(view.problems, []);
    assert.equal(view.genericAttestationPolicies.length, 1);
    assert.equal(view.imageSecurityPolicies.length, 1);
    assert.equal(set.config.noPolicyDefault, "DENY");
  });

  test("the shipped examples load together without problems", async () => {
    const set = await loadPolicyDirectory(exampleDirectory);
    assert.equal(exampleFiles().length, 4);
    assert.deepEqual(set.clusterProblems, []);
    assert.deepEqual(policiesForNamespace(set, "prod").problems, []);
  });

  test("a directory that does not exist is FAILED_PRECONDITION, not an empty policy set", async () => {
    await assert.rejects(
      loadPolicyDirectory(join(directory, "missing")),
      (error: unknown) => error instanceof ScribaError && error.code === "FAILED_PRECONDITION" && error.message.includes("ENOENT"),
    );
  });

  test("an invalid default namespace is rejected", async () => {
    await assert.rejects(loadPolicyDirectory(directory, { defaultNamespace: "Not Valid" }), /default namespace "Not Valid"/);
  });
});

describe("attributing a policy whose namespace is invalid", () => {
  test("a policy naming an impossible namespace is a problem for every namespace", () => {
    const collected = parsePolicyDocuments(stringify(withField(gap, "metadata.namespace", "Prod Team")), "gap.yaml");
    assert.equal(collected.problems[0]?.namespace, undefined);
    assert.match(collected.problems[0]?.message ?? "", /metadata\.namespace: must be a lowercase DNS-1123 label/);
  });
});
