#!/usr/bin/env bash
# Installs the library from `npm pack` into a fresh app (public registry dependencies only), then
#  1. runs the README's quick start as written (both entry points, TypeScript's node16 resolution,
#     which reads package.json `exports`) and checks that it wrote delivery waves and kustomizations;
#  2. type-checks (node10 resolution, which reads `typesVersions`) and runs a consumer of
#     FintechService, CanaryRollout, MonitoringStack and BackupCronJob;
# and validates every object written strictly against the Kubernetes 1.28 and CRD schemas:
# proves the published package works outside this repository.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "./$tarball"
tsc="$root/node_modules/.bin/tsc"
tsc_options=(--strict --esModuleInterop --skipLibCheck --target es2022 --typeRoots "$root/node_modules/@types" --types node)

for doc in README.md LICENSE docs/API.md docs/API-tools.md; do
  [ -s "node_modules/cdk8s-fintech/$doc" ] || { echo "pack smoke test: $doc is not in the package" >&2; exit 1; }
done
# Every relative link of the packaged README resolves inside the package.
grep -oE '\]\([^)]+\)' node_modules/cdk8s-fintech/README.md | sed -E 's/^\]\(//; s/\)$//; s/#.*//' | grep -v '://' | grep . | sort -u |
while read -r link; do
  [ -e "node_modules/cdk8s-fintech/$link" ] || { echo "pack smoke test: README links $link, which is not in the package" >&2; exit 1; }
done

# 1. The README's quick start: the TypeScript block after its marker comment, unchanged.
awk '/test\/pack-smoke.sh runs this block/ { marked = 1; next }
     marked && /^```ts$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' node_modules/cdk8s-fintech/README.md > quickstart.ts
[ -s quickstart.ts ] || { echo "pack smoke test: no quick start found in README.md" >&2; exit 1; }
"$tsc" "${tsc_options[@]}" --module node16 --moduleResolution node16 quickstart.ts
node quickstart.js
# Exactly the files the README lists after the quick start.
expected=$(awk '/^dist\/production\// { print $1 }' node_modules/cdk8s-fintech/README.md | sort)
written=$(find dist -type f | sort)
[ -n "$expected" ] && [ "$expected" = "$written" ] \
  || { printf 'pack smoke test: the quick start wrote\n%s\nbut the README lists\n%s\n' "$written" "$expected" >&2; exit 1; }
while IFS= read -r -d '' file; do printf -- '---\n'; cat "$file"; done \
  < <(find dist -name '*.yaml' ! -name kustomization.yaml -print0 | sort -z) > quickstart.yaml
grep -q '^kind: Deployment$' quickstart.yaml || { echo "pack smoke test: the quick start wrote no Deployment" >&2; exit 1; }
[ "$(grep -c '^kind:' quickstart.yaml)" = "$(grep -c '^    argocd.argoproj.io/sync-wave:' quickstart.yaml)" ] \
  || { echo "pack smoke test: a quick-start object has no sync-wave annotation" >&2; exit 1; }

# 2. Every construct, through the root and the tools entry point.
cat > app.ts <<'TS'
import { App, Chart } from 'cdk8s';
import {
  BackupCronJob, BackupDestination, BackupSource, CanaryPhase, CanaryRollout, FintechService, MonitoringStack, NetworkPeer, Notifier,
  SecretKeyRef,
} from 'cdk8s-fintech';
import { synthesizeFolders } from 'cdk8s-fintech/tools';

const app = new App();
const chart = new Chart(app, 'payments', { namespace: 'payments' });
const api = new FintechService(chart, 'payments-api', {
  image: 'registry.example.com/payments-api:1.4.0', port: 8080, ingressFrom: [NetworkPeer.namespace('ingress-nginx')],
});
const ledger = new CanaryRollout(chart, 'ledger', {
  stableImage: 'registry.example.com/ledger:2.0.0', canaryImage: 'registry.example.com/ledger:2.1.0', phase: CanaryPhase.percent(30),
  port: 8080, replicas: 10,
});
new BackupCronJob(chart, 'ledger-db-backup', {
  image: 'registry.example.com/backup-tools:1.0.0',
  source: BackupSource.postgres({
    database: 'ledger', host: SecretKeyRef.of('ledger-db', 'host'), user: SecretKeyRef.of('ledger-db', 'user'), password: SecretKeyRef.of('ledger-db', 'password'),
  }),
  destination: BackupDestination.s3({ bucket: 'ledger-backups', region: 'eu-central-1', accessKeyId: SecretKeyRef.of('s3', 'id'), secretAccessKey: SecretKeyRef.of('s3', 'secret') }),
  encryption: { recipients: ['age13mjxhlp5mfcgv2tz7futxw56xym5jd3m7kujc93m42kh8eey0qpsnaqq5p'], identity: SecretKeyRef.of('backup-age-identity', 'identity') },
});
const slack = Notifier.slack({ channel: '#payments', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack') });
new MonitoringStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'payments', {
  services: [api, ledger.service], routing: { critical: [slack], warning: [slack], info: [slack] },
});
for (const file of synthesizeFolders([{ folder: 'out', app }])) {
  if (!file.path.endsWith('kustomization.yaml')) process.stdout.write(`---\n${file.content}`);
}
TS
"$tsc" "${tsc_options[@]}" --module commonjs app.ts
node app.js > output.yaml

# The repository's strict validator (ajv, Kubernetes 1.28 and CRD schemas), bundled for this check
# two folders below the repository root, where it finds schemas/ as it does from test/support/.
"$root/node_modules/.bin/esbuild" "$root/test/support/schema-validator.ts" --bundle --platform=node --format=cjs \
  --outfile="$root/build/pack-smoke/validate.js" --log-level=warning
VALIDATOR="$root/build/pack-smoke/validate.js" node -e '
const { validateYamlFile } = require(process.env.VALIDATOR);
const errors = ["quickstart.yaml", "output.yaml"].flatMap((file) => validateYamlFile(file).map((e) => file + ": " + e));
if (errors.length) { console.error(errors.join("\n")); process.exit(1); }'
for kind in Deployment Service HorizontalPodAutoscaler PodDisruptionBudget NetworkPolicy ServiceAccount ServiceMonitor CronJob PrometheusRule Prometheus Alertmanager; do
  grep -q "^kind: $kind$" output.yaml || { echo "pack smoke test: no $kind in the consumer's output" >&2; exit 1; }
done
echo "pack smoke test: $tarball installs; the README's quick start writes $(grep -c '^kind:' quickstart.yaml) objects in waves; the four-construct app $(grep -c '^kind:' output.yaml); all schema-valid"
