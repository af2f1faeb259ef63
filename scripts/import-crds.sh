#!/usr/bin/env bash
# Regenerates imports/ from the CRDs in schemas/crds listed under `imports:` in cdk8s.yaml, with
# the cdk8s-cli pinned in package-lock.json. Needs no network and nothing outside the repository;
# the result depends only on those files and the cdk8s-cli version.
# With --check, writes nothing and fails when imports/ differs from a fresh import.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cli="$root/node_modules/.bin/cdk8s"
[ -x "$cli" ] || { echo "cdk8s-cli is not installed: run \`npm ci\`" >&2; exit 1; }
mapfile -t specs < <(node -e '
  const { parse } = require("yaml");
  const config = parse(require("fs").readFileSync("cdk8s.yaml", "utf8"));
  for (const spec of config.imports ?? []) console.log(spec);')
[ "${#specs[@]}" -gt 0 ] || { echo "cdk8s.yaml lists no imports" >&2; exit 1; }

# One `cdk8s import` per CRD (it imports only its first spec), from an empty folder so that it
# neither reads nor appends to cdk8s.yaml.
mkdir -p "$work/cwd" "$work/imports"
for spec in "${specs[@]}"; do
  name=${spec%%:=*}
  file=${spec#*:=}
  case "$file" in
    schemas/crds/*) [ -f "$file" ] || { echo "cdk8s.yaml: $file does not exist" >&2; exit 1; } ;;
    *) echo "cdk8s.yaml: import '$spec' is not a file under schemas/crds" >&2; exit 1 ;;
  esac
  if ! (cd "$work/cwd" && CDK8S_CHECK_UPGRADE=false "$cli" import --no-check-upgrade --no-save --language typescript \
    --output "$work/imports" "$name:=$root/$file") > "$work/log" 2>&1; then
    cat "$work/log" >&2
    echo "cdk8s import of $file failed" >&2
    exit 1
  fi
done

if [ "${1:-}" = "--check" ]; then
  if ! diff -r -u imports "$work/imports" > "$work/diff.txt" 2>&1; then
    head -n 40 "$work/diff.txt" >&2
    echo "imports/ is stale: run \`npm run import\` and commit the result." >&2
    exit 1
  fi
  echo "imports/ is up to date with schemas/crds (${#specs[@]} CRDs, cdk8s-cli $(node -p 'require("cdk8s-cli/package.json").version'))."
else
  rm -rf imports
  mv "$work/imports" imports
  echo "imports/ regenerated from schemas/crds (${#specs[@]} CRDs)."
fi
