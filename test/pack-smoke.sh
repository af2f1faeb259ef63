#!/usr/bin/env bash
# Installs the library from `npm pack` into a fresh app (public registry dependencies only),
# type-checks a consumer that uses FintechService, CanaryRollout, MonitoringStack and
# BackupCronJob from the package, synthesizes it, and validates every object strictly against
# the Kubernetes 1.28 and CRD schemas: proves the published package works outside this repo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "./$tarball"

cat > app.ts <<'TS'
import { App, Chart } from 'cdk8s';
import {
  BackupCronJob, BackupDestination, BackupSource, CanaryPhase, CanaryRollout, FintechService, MonitoringStack, NetworkPeer, Notifier,
  SecretKeyRef, synthesizeFolders,
} from 'cdk8s-fintech';

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
"$root/node_modules/.bin/tsc" --strict --esModuleInterop --skipLibCheck --module commonjs --target es2022 \
  --typeRoots "$root/node_modules/@types" --types node app.ts
node app.js > output.yaml

# The repository's strict validator (ajv, Kubernetes 1.28 and CRD schemas), bundled for this check
# two folders below the repository root, where it finds schemas/ as it does from test/support/.
"$root/node_modules/.bin/esbuild" "$root/test/support/schema-validator.ts" --bundle --platform=node --format=cjs \
  --outfile="$root/build/pack-smoke/validate.js" --log-level=warning
VALIDATOR="$root/build/pack-smoke/validate.js" node -e '
const { validateYamlFile } = require(process.env.VALIDATOR);
const errors = validateYamlFile("output.yaml");
if (errors.length) { console.error(errors.join("\n")); process.exit(1); }'
for kind in Deployment Service HorizontalPodAutoscaler PodDisruptionBudget NetworkPolicy ServiceAccount ServiceMonitor CronJob PrometheusRule Prometheus Alertmanager; do
  grep -q "^kind: $kind$" output.yaml || { echo "pack smoke test: no $kind in the consumer's output" >&2; exit 1; }
done
echo "pack smoke test: $tarball installs, type-checks, synthesizes $(grep -c '^kind:' output.yaml) objects, all schema-valid"
