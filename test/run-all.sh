#!/usr/bin/env bash
# Runs every test: installs what they need (apt, npm), builds the bundle, type-checks, then
# runs unit, integration and boot tests with node's test runner. `test/run-all.sh unit`
# or `... boot` runs one group. Output ends with node's test runner summary.
set -euo pipefail
cd "$(dirname "$0")/.."
group=${1:-all}

bash tools/setup.sh
# The QEMU proof boots the Debian package: build it (and everything) when boot tests run.
if [[ $group == boot || $group == all ]]; then npm run -s package; else npm run -s build; fi
npx tsc --noEmit

files=()
case "$group" in
  unit) files=(test/unit/*.test.ts) ;;
  integration) files=(test/integration/*.test.ts) ;;
  boot) files=(test/boot/*.test.ts) ;;
  all) files=(test/unit/*.test.ts test/integration/*.test.ts) ; [[ -n "$(ls test/boot/*.test.ts 2>/dev/null)" ]] && files+=(test/boot/*.test.ts) ;;
  *) echo "usage: $0 [unit|integration|boot|all]" >&2; exit 2 ;;
esac

# Integration tests share the machine's namespaces and swap: run files one at a time.
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
