import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, test } from "node:test";
import { maximumSeverityValues } from "../severity.js";
import { parseAttestationAuthority, publicKeyTypes } from "./attestation-authority.js";
import { isJsonObject } from "./field-reader.js";
import type { JsonObject } from "./field-reader.js";
import { parseGenericAttestationPolicy } from "./generic-attestation-policy.js";
import { parseImageSecurityPolicy } from "./image-security-policy.js";
import type { ParseResult, PolicyKind } from "./kritis-api.js";
import { enforcementModes, kritisGroup, policyKinds } from "./kritis-api.js";
import {
  defaultKritisConfigSpec,
  metadataFailurePolicies,
  noPolicyDefaults,
  parseKritisConfig,
} from "./kritis-config.js";
import { namedSignatureAlgorithmSpellings } from "../../attest/index.js";
import { applySchemaDefaults, structuralSchemaProblems, validateAgainstSchema } from "./structural-schema.js";
import { crdDirectory, example, exampleFiles, examplePkixPem, readYaml, valueAt, withField } from "./test-fixtures.js";

const parsers: Record<PolicyKind, (object: unknown) => ParseResult<unknown>> = {
  AttestationAuthority: parseAttestationAuthority,
  GenericAttestationPolicy: parseGenericAttestationPolicy,
  ImageSecurityPolicy: parseImageSecurityPolicy,
  KritisConfig: parseKritisConfig,
};

const crds = new Map<string, JsonObject>(
  readdirSync(crdDirectory)
    .filter((name) => name.endsWith(".yaml"))
    .map((name) => {
      const crd = readYaml(`${crdDirectory}${name}`);
      return [String(valueAt(crd, "spec.names.kind")), crd] as const;
    }),
);

function crdOf(kind: string): JsonObject {
  const crd = crds.get(kind);
  assert.ok(crd, `no CRD for ${kind}`);
  return crd;
}

function schemaOf(kind: string): JsonObject {
  const schema = valueAt(crdOf(kind), "spec.versions[0].schema.openAPIV3Schema");
  assert.ok(isJsonObject(schema));
  return schema;
}

function schemaViolations(object: JsonObject): string[] {
  const kind = String(object["kind"]);
  const schema = schemaOf(kind);
  return validateAgainstSchema(applySchemaDefaults(object, schema), schema).map((v) => `${v.field}: ${v.description}`);
}

function parserViolations(object: JsonObject): string[] {
  const result = parsers[object["kind"] as PolicyKind](object);
  return result.ok ? [] : result.violations.map((v) => `${v.field}: ${v.description}`);
}

describe("the CustomResourceDefinitions", () => {
  test("there is exactly one CRD per policy kind", () => {
    assert.deepEqual([...crds.keys()].sort(), [...policyKinds].sort());
  });

  for (const kind of policyKinds) {
    test(`${kind} is an apiextensions.k8s.io/v1 CRD named <plural>.${kritisGroup} serving v1beta1`, () => {
      const crd = crdOf(kind);
      assert.equal(crd["apiVersion"], "apiextensions.k8s.io/v1");
      assert.equal(crd["kind"], "CustomResourceDefinition");
      assert.equal(valueAt(crd, "metadata.name"), `${String(valueAt(crd, "spec.names.plural"))}.${kritisGroup}`);
      assert.equal(valueAt(crd, "spec.group"), kritisGroup);
      assert.equal(valueAt(crd, "spec.names.listKind"), `${kind}List`);
      assert.deepEqual(
        (valueAt(crd, "spec.versions") as JsonObject[]).map((v) => [v["name"], v["served"], v["storage"]]),
        [["v1beta1", true, true]],
      );
    });

    test(`${kind}'s schema is structural and uses only what the checker understands`, () => {
      assert.deepEqual(structuralSchemaProblems(schemaOf(kind)), []);
    });

    test(`${kind}'s printer columns point at fields its schema declares`, () => {
      const columns = valueAt(crdOf(kind), "spec.versions[0].additionalPrinterColumns") as JsonObject[];
      assert.ok(columns.length >= 2);
      for (const column of columns) {
        const jsonPath = String(column["jsonPath"]);
        if (jsonPath === ".metadata.creationTimestamp") continue;
        const schemaPath = jsonPath.slice(1).split(".").map((p) => `properties.${p}`).join(".");
        assert.ok(isJsonObject(valueAt(schemaOf(kind), schemaPath)), `${jsonPath} is not in the schema`);
      }
    });
  }

  test("the namespaced kinds are Namespaced and KritisConfig is Cluster-scoped", () => {
    assert.deepEqual(
      policyKinds.map((kind) => [kind, valueAt(crdOf(kind), "spec.scope")]),
      [
        ["AttestationAuthority", "Namespaced"],
        ["GenericAttestationPolicy", "Namespaced"],
        ["ImageSecurityPolicy", "Namespaced"],
        ["KritisConfig", "Cluster"],
      ],
    );
  });
});

describe("the CRD enums are the values the parsers accept", () => {
  const enumAt = (kind: string, path: string) => valueAt(schemaOf(kind), `${path}.enum`);
  const spec = "properties.spec.properties";

  test("enforcement modes", () => {
    assert.deepEqual(enumAt("GenericAttestationPolicy", `${spec}.enforcementMode`), [...enforcementModes]);
    assert.deepEqual(enumAt("ImageSecurityPolicy", `${spec}.enforcementMode`), [...enforcementModes]);
  });

  test("severity thresholds", () => {
    const requirements = `${spec}.packageVulnerabilityRequirements.properties`;
    assert.deepEqual(enumAt("ImageSecurityPolicy", `${requirements}.maximumSeverity`), [...maximumSeverityValues]);
    assert.deepEqual(enumAt("ImageSecurityPolicy", `${requirements}.maximumFixUnavailableSeverity`), [...maximumSeverityValues]);
  });

  test("key types and PKIX signature algorithms", () => {
    const key = `${spec}.publicKeys.items.properties`;
    assert.deepEqual(enumAt("AttestationAuthority", `${key}.keyType`), [...publicKeyTypes]);
    assert.deepEqual(
      [...(enumAt("AttestationAuthority", `${key}.pkixPublicKey.properties.signatureAlgorithm`) as string[])].sort(),
      [...namedSignatureAlgorithmSpellings].sort(),
    );
  });

  test("KritisConfig choices", () => {
    assert.deepEqual(enumAt("KritisConfig", `${spec}.noPolicyDefault`), [...noPolicyDefaults]);
    assert.deepEqual(enumAt("KritisConfig", `${spec}.metadataFailurePolicy`), [...metadataFailurePolicies]);
  });
});

/** Valid policies: the shipped examples plus the variations the other tests rely on. */
const validExamples: [string, JsonObject][] = [
  ...exampleFiles().map((name): [string, JsonObject] => [`deploy/crds/examples/${name}`, example(name)]),
  ["a GAP without allowlist patterns or mode", withField(withField(example("generic-attestation-policy.yaml"), "spec.admissionAllowlistPatterns", undefined), "spec.enforcementMode", undefined)],
  ["an ISP with an empty spec", withField(example("image-security-policy.yaml"), "spec", {})],
  ["an ISP with BLOCK_ALL and an attestation authority", withField(withField(example("image-security-policy.yaml"), "spec.packageVulnerabilityRequirements.maximumSeverity", "BLOCK_ALL"), "spec.attestationAuthorityName", "vulnz-checked")],
  ["a KritisConfig without spec", withField(example("kritis-config.yaml"), "spec", undefined)],
  ["a KritisConfig with Kritis' own fields", withField(example("kritis-config.yaml"), "spec.grafeas", { addr: "grafeas:443" })],
  ["an authority with only a PKIX key in Binary Authorization spelling", withField(example("attestation-authority.yaml"), "spec.publicKeys", [{ keyType: "PKIX", keyId: "https://keys.example/ci", pkixPublicKey: { publicKeyPem: examplePkixPem(), signatureAlgorithm: "ECDSA_P256_SHA256" } }])],
];

describe("every valid example passes both the parser and the CRD schema", () => {
  for (const [name, object] of validExamples) {
    test(`${name} is valid for the parser and the schema`, () => {
      assert.deepEqual(parserViolations(object), []);
      assert.deepEqual(schemaViolations(object), []);
    });
  }
});

/** Invalid policies whose fault the schema can express (required fields, enums, list sizes, patterns). */
const invalidExamples: [string, JsonObject, string][] = [
  ["an authority without public keys", withField(example("attestation-authority.yaml"), "spec.publicKeys", undefined), "spec.publicKeys"],
  ["an authority with an empty key list", withField(example("attestation-authority.yaml"), "spec.publicKeys", []), "spec.publicKeys"],
  ["an authority without a note reference", withField(example("attestation-authority.yaml"), "spec.noteReference", undefined), "spec.noteReference"],
  ["an authority whose note reference has the wrong shape", withField(example("attestation-authority.yaml"), "spec.noteReference", "notes/qa"), "spec.noteReference"],
  ["a key with an unknown keyType", withField(example("attestation-authority.yaml"), "spec.publicKeys[0].keyType", "GPG"), "spec.publicKeys[0].keyType"],
  ["a PKIX key without its PEM", withField(example("attestation-authority.yaml"), "spec.publicKeys[1].pkixPublicKey.publicKeyPem", undefined), "spec.publicKeys[1].pkixPublicKey.publicKeyPem"],
  ["a PKIX key with an unknown algorithm", withField(example("attestation-authority.yaml"), "spec.publicKeys[1].pkixPublicKey.signatureAlgorithm", "rsa-pss-4096s-ha256"), "spec.publicKeys[1].pkixPublicKey.signatureAlgorithm"],
  ["a key with both PGP and PKIX material", withField(example("attestation-authority.yaml"), "spec.publicKeys[0].pkixPublicKey", { publicKeyPem: examplePkixPem(), signatureAlgorithm: "ecdsa-p256-sha256" }), "spec.publicKeys[0]"],
  ["a GAP without authorities", withField(example("generic-attestation-policy.yaml"), "spec.attestationAuthorityNames", []), "spec.attestationAuthorityNames"],
  ["a GAP pattern with a wildcard in the middle", withField(example("generic-attestation-policy.yaml"), "spec.admissionAllowlistPatterns[0].namePattern", "gcr.io/*/x"), "spec.admissionAllowlistPatterns[0].namePattern"],
  ["a GAP with an unknown mode", withField(example("generic-attestation-policy.yaml"), "spec.enforcementMode", "WARN"), "spec.enforcementMode"],
  ["an ISP with an unknown severity", withField(example("image-security-policy.yaml"), "spec.packageVulnerabilityRequirements.maximumSeverity", "SEVERE"), "spec.packageVulnerabilityRequirements.maximumSeverity"],
  ["an ISP with Kritis' documented but wrong field name", withField(example("image-security-policy.yaml"), "spec.packageVulnerabilityPolicy", {}), "spec.packageVulnerabilityPolicy"],
  ["a KritisConfig with an unknown noPolicyDefault", withField(example("kritis-config.yaml"), "spec.noPolicyDefault", "WARN"), "spec.noPolicyDefault"],
  ["a KritisConfig with no vulnerability projects", withField(example("kritis-config.yaml"), "spec.vulnerabilityProjects", []), "spec.vulnerabilityProjects"],
  ["a KritisConfig with an invalid exempt namespace", withField(example("kritis-config.yaml"), "spec.exemptNamespaces[0]", "Kube_System"), "spec.exemptNamespaces[0]"],
];

describe("every invalid example is rejected by both, at the same field", () => {
  for (const [name, object, field] of invalidExamples) {
    test(`${name} is rejected at ${field}`, () => {
      const parser = parserViolations(object);
      const schema = schemaViolations(object);
      assert.ok(parser.some((v) => v.startsWith(field)), `parser: ${JSON.stringify(parser)}`);
      assert.ok(schema.some((v) => v.startsWith(field)), `schema: ${JSON.stringify(schema)}`);
    });
  }
});

describe("schema defaults agree with parser defaults", () => {
  test("an ISP defaulted by the API server parses to the same requirements as before defaulting", () => {
    const bare = withField(example("image-security-policy.yaml"), "spec", {});
    const defaulted = applySchemaDefaults(bare, schemaOf("ImageSecurityPolicy"));
    assert.deepEqual(valueAt(defaulted, "spec.packageVulnerabilityRequirements"), {
      maximumSeverity: "CRITICAL",
      maximumFixUnavailableSeverity: "ALLOW_ALL",
    });
    const before = parseImageSecurityPolicy(bare);
    const after = parseImageSecurityPolicy(defaulted);
    assert.ok(before.ok && after.ok);
    assert.deepEqual(after.value, before.value);
  });

  test("a KritisConfig defaulted by the API server parses to the default configuration", () => {
    const defaulted = applySchemaDefaults(withField(example("kritis-config.yaml"), "spec", undefined), schemaOf("KritisConfig"));
    const result = parseKritisConfig(defaulted);
    assert.ok(result.ok);
    assert.deepEqual(result.value.spec, defaultKritisConfigSpec);
  });

  test("a GAP defaulted by the API server keeps the parser's default mode", () => {
    const bare = withField(example("generic-attestation-policy.yaml"), "spec.enforcementMode", undefined);
    const defaulted = applySchemaDefaults(bare, schemaOf("GenericAttestationPolicy"));
    const result = parseGenericAttestationPolicy(defaulted);
    assert.ok(result.ok);
    assert.equal(result.value.enforcementMode, "ENFORCED_BLOCK_AND_AUDIT_LOG");
  });
});

describe("the structural schema checker", () => {
  test("a node without a type is reported", () => {
    assert.match(structuralSchemaProblems({ type: "object", properties: { a: {} } }).join(), /needs a type/);
  });

  test("a type in a oneOf branch is reported", () => {
    const problems = structuralSchemaProblems({
      type: "object",
      properties: { a: { type: "string" } },
      oneOf: [{ type: "object", required: ["a"] }],
    });
    assert.match(problems.join(), /type is not allowed in a junctor/);
  });

  test("a default that violates its own schema is reported", () => {
    assert.match(structuralSchemaProblems({ type: "string", enum: ["A"], default: "B" }).join(), /default/);
  });
});
