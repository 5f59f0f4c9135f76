#!/usr/bin/env bash
# Runs every benchmark, one after the other (they share the 2 cores and the lab), after the
# same setup as the tests. Each writes its own section of docs/benchmarks.md.
# `bench/run-all.sh tftp setup` runs only those.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
npm run -s build
names=("$@")
((${#names[@]})) || names=(startup tftp boot-storm setup login boot)
for n in "${names[@]}"; do
  echo "== bench/$n.ts" >&2
  node --import tsx "bench/$n.ts"
done
