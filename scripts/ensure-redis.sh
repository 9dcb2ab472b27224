#!/usr/bin/env bash
# Makes sure a redis-server binary is present for the tests and benchmarks that run against real Redis
# (the tests start and stop their own private instances on 127.0.0.1; this script starts nothing).
#
# On Debian/Ubuntu, as root, it installs Debian's redis-server package without starting its system service
# (a policy-rc.d that refuses service starts during the install). Elsewhere it prints what is missing and how
# to fix it, and exits 1. Idempotent: when redis-server is on PATH it exits 0 at once.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

explain() {
  cat >&2 <<MSG
alora setup: redis-server is not installed. The storage, clustering and end-to-end tests start their own
  private redis-server on 127.0.0.1 and need the binary on PATH.
How to fix: install Redis 6 or newer ('apt-get install redis-server' on Debian/Ubuntu, as root; this
  script does that itself when run as root on a system with apt-get). $1
MSG
}

if ! command -v apt-get >/dev/null 2>&1; then
  explain "This system has no apt-get, so nothing was changed."
  exit 1
fi
if [ "$(id -u)" != "0" ]; then
  explain "Not running as root, so nothing was changed; re-run 'make' as root or install it yourself."
  exit 1
fi

echo "alora setup: installing redis-server (Debian package; its service is not started) ..." >&2
export DEBIAN_FRONTEND=noninteractive
# Keep the package's init script from starting a system-wide redis on 6379 during the install.
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1
if [ "$had_policy" = 0 ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
if ! command -v redis-server >/dev/null 2>&1; then
  explain "apt-get reported success but redis-server is still not on PATH."
  exit 1
fi
echo "alora setup: $(redis-server --version | head -1)" >&2
