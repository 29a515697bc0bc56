#!/usr/bin/env bash
# The 2017 walkthrough "Securing Software Supply Chain with Grafeas", step by
# step against Scriba, with a real gpg key and the post's own curl calls:
#
#   1. QA makes a signing key and creates the attestation-authority note (v1alpha1).
#   2. The key goes into the admission policy (an AttestationAuthority).
#   3. Deploying the payment image before it is attested is denied.
#   4. QA signs the image digest and uploads the attestation occurrence (v1alpha1).
#   5. The same deployment is admitted.
#
# Kubernetes is not needed: the pod creation is the AdmissionReview the API
# server would send, posted to the webhook over HTTPS with curl.
#
# Usage: examples/seed/run.sh   (after npm ci; or `npm run demo`)
# Environment: SCRIBA (command to run scriba; default: node dist/src/cli/main.js),
#              PORT (default 8080), WEBHOOK_PORT (default 8443).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SCRIBA=${SCRIBA:-"node $root/dist/src/cli/main.js"}
PORT=${PORT:-8080}
WEBHOOK_PORT=${WEBHOOK_PORT:-8443}
SCRIBA_URL="http://127.0.0.1:${PORT}"
IMAGE="gcr.io/hightowerlabs/payment@sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887"

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  gpgconf --kill gpg-agent 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
cd "$work"
cp "$here/note.json" "$here/image-digest.txt" "$here/pod-review.json" .

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1. QA creates a signing key and the attestation authority note"
gpg --batch --passphrase '' --quick-generate-key qa_bob@example.com 2>/dev/null
GPG_KEY_ID=$(gpg --list-keys --keyid-format short --with-colons qa_bob@example.com 2>/dev/null | awk -F: '/^pub/ {print substr($5, 9); exit}')
gpg --armor --export qa_bob@example.com > "${GPG_KEY_ID}.pub"
echo "GPG_KEY_ID=${GPG_KEY_ID}"

say "2. The public key goes into the admission policy"
mkdir policies
cp "$here/require-qa.yaml" policies/
cat > policies/qa-authority.yaml <<YAML
apiVersion: kritis.grafeas.io/v1beta1
kind: AttestationAuthority
metadata:
  name: qa
  namespace: default
spec:
  noteReference: projects/image-signing/notes/qa
  publicKeys:
    - keyType: PGP
      asciiArmoredPgpPublicKey: $(base64 -w0 < "${GPG_KEY_ID}.pub")
YAML
$SCRIBA certs --out tls --service scriba-webhook --namespace default --ip 127.0.0.1 > /dev/null
$SCRIBA serve --storage memory --listen "127.0.0.1:${PORT}" \
  --policy-dir policies --tls-cert tls/tls.crt --tls-key tls/tls.key \
  --webhook-listen "127.0.0.1:${WEBHOOK_PORT}" 2> scriba.log &
server_pid=$!
for _ in $(seq 1 100); do
  curl -sf "${SCRIBA_URL}/healthz" > /dev/null && curl -sf --cacert tls/ca.crt "https://127.0.0.1:${WEBHOOK_PORT}/healthz" > /dev/null && break
  sleep 0.1
done

curl -sS -X POST "${SCRIBA_URL}/v1alpha1/projects/image-signing/notes?noteId=qa" -d @note.json
echo

review() {
  curl -sS --cacert tls/ca.crt -H 'Content-Type: application/json' \
    -d @pod-review.json "https://127.0.0.1:${WEBHOOK_PORT}/validate" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).response;
      console.log(r.allowed ? "ADMITTED" : "DENIED: " + r.status.message)})'
}

say "3. Deploying ${IMAGE} before it is attested"
review

say "4. QA signs the image digest and uploads the attestation"
gpg -u qa_bob@example.com --armor --clearsign --output=signature.gpg image-digest.txt 2>/dev/null
GPG_SIGNATURE=$(base64 -w0 < signature.gpg)
RESOURCE_URL="https://${IMAGE}"
cat > occurrence.json <<JSON
{
  "resourceUrl": "${RESOURCE_URL}",
  "noteName": "projects/image-signing/notes/qa",
  "attestation": {
    "pgpSignedAttestation": {
      "signature": "${GPG_SIGNATURE}",
      "contentType": "application/vnd.gcr.image.url.v1",
      "pgpKeyId": "${GPG_KEY_ID}"
    }
  }
}
JSON
curl -sS -X POST "${SCRIBA_URL}/v1alpha1/projects/image-signing/occurrences" -d @occurrence.json |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s);console.log(o.name, o.kind)})'

say "5. Deploying ${IMAGE} again"
review

say "The same attestation through the grafeas.v1 API"
curl -sS -G "${SCRIBA_URL}/v1/projects/image-signing/notes/qa/occurrences" \
  --data-urlencode "filter=resourceUrl=\"${RESOURCE_URL}\"" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for (const o of JSON.parse(s).occurrences) console.log(o.name, o.kind, "signed by", o.attestation.signatures[0].publicKeyId)})'

say "The webhook's decision log (JSON lines on stderr)"
grep '"admission decision"' scriba.log | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
  for (const line of s.trim().split("\n")) { const r = JSON.parse(line); console.log(r.time, r.event, r.object, r.images.map(i => i.image).join(" ")); }})'
