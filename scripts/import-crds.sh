#!/usr/bin/env bash
# Regenerates imports/ offline from the CRD copies in ../shared/k8s/crds (the same files as the
# upstream URLs in cdk8s.yaml). One module per CRD: `cdk8s import` names files after the API
# group, so two CRDs of one group imported without a module name would overwrite each other.
set -euo pipefail
cd "$(dirname "$0")/.."
crds=../shared/k8s/crds
modules=(
  "servicemonitors:=$crds/monitoring.coreos.com_servicemonitors.yaml"
  "prometheusrules:=$crds/monitoring.coreos.com_prometheusrules.yaml"
  "rollouts:=$crds/argoproj.io_rollouts.yaml"
  "analysistemplates:=$crds/argoproj.io_analysistemplates.yaml"
  "applications:=$crds/argoproj.io_applications.yaml"
  "kustomizations:=$crds/kustomize.toolkit.fluxcd.io_kustomizations.yaml"
  "gitrepositories:=$crds/source.toolkit.fluxcd.io_gitrepositories.yaml"
  "verticalpodautoscalers:=$crds/autoscaling.k8s.io_verticalpodautoscalers.yaml"
  "externalsecrets:=$crds/external-secrets.io_externalsecrets.yaml"
)
# `cdk8s import NAME:=PATH` also appends PATH to cdk8s.yaml's imports, which keep the upstream URLs.
cp cdk8s.yaml "${TMPDIR:-/tmp}/cdk8s.yaml.$$"
trap 'mv "${TMPDIR:-/tmp}/cdk8s.yaml.$$" cdk8s.yaml' EXIT
for module in "${modules[@]}"; do
  npx cdk8s import --no-check-upgrade --output imports "$module" >/dev/null
done
echo "imports/ regenerated from $crds"
