#!/usr/bin/env bash
# Installs the library from `npm pack` into a fresh app, type-checks a TypeScript consumer and
# synthesizes a FintechService with it: proves the published package works outside this repo.
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
import { FintechService, NetworkPeer, synthesizeFolders } from 'cdk8s-fintech';

const app = new App();
const chart = new Chart(app, 'payments', { namespace: 'fintech-production' });
new FintechService(chart, 'payment-service', {
  image: 'registry.fintech.internal/fintech/payment-service:1.4.0',
  port: 8080,
  ingressFrom: [NetworkPeer.namespace('ingress-nginx')],
});
const [file] = synthesizeFolders([{ folder: 'production', app }]);
process.stdout.write(file.content);
TS
"$root/node_modules/.bin/tsc" --strict --esModuleInterop --skipLibCheck --module commonjs --target es2022 --typeRoots "$root/node_modules/@types" --types node app.ts
output=$(node app.js)
for kind in Deployment Service HorizontalPodAutoscaler PodDisruptionBudget NetworkPolicy ServiceAccount ServiceMonitor; do
  grep -q "^kind: $kind$" <<<"$output" || { echo "pack smoke test: no $kind in the consumer's output" >&2; exit 1; }
done
echo "pack smoke test: $tarball installs, type-checks and synthesizes in a fresh app"
