#!/usr/bin/env bash
# Installs what the tests and benchmarks need on a fresh Debian 12 machine with Node 20:
# Debian packages (as root) from test/apt-packages.txt, then the npm dependencies.
# Safe to run again: it only installs what is missing. `tools/setup.sh npm` skips apt.
set -euo pipefail
cd "$(dirname "$0")/.."
only=${1:-all}

want=()
[[ $only == npm ]] || while read -r pkg _; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || want+=("$pkg")
done < test/apt-packages.txt

if ((${#want[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages (run as root to install): ${want[*]}" >&2
  else
    # Never start the services these packages ship: the tests start their own, in namespaces.
    # policy-rc.d (exit 101) says so to the packages' maintainer scripts, but only for this
    # install: it is removed again however apt-get ends, so that the machine's own service
    # starts are untouched afterwards. An admin's own policy-rc.d is left as it is.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
      printf '#!/bin/sh\n# tools/setup.sh (ltsp-agent tests): only while it installs packages\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d
    fi
    echo "setup: apt-get install ${want[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${want[@]}" >/dev/null
    if [[ $(trap -p EXIT) ]]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
  fi
fi

# A node_modules that is a link is another checkout's (a git worktree sharing it): npm ci would
# empty that checkout's modules through the link. Leave it to that checkout.
if [[ -L node_modules ]]; then
  [[ -d node_modules/ ]] || echo "setup: node_modules links to a missing directory; run npm ci where it points" >&2
elif [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
