#!/usr/bin/env bash
# Makes sure the native runtime that TorchSharp 0.107 (libtorch 2.10) needs is present.
#
# libLibTorchSharp.so is built with GCC 13 and needs the libstdc++ symbol version GLIBCXX_3.4.32.
# Debian 12 (bookworm) ships libstdc++6 12.2 (up to GLIBCXX_3.4.30). On Debian 12, as root, this script
# installs libstdc++6 from Debian 13 (trixie), pinned at priority 100 so nothing else is upgraded from
# trixie. Elsewhere it prints what is missing and how to fix it, and exits 1.
#
# Idempotent: when the symbol version is already there it exits 0 at once.
set -euo pipefail

required="GLIBCXX_3.4.32"

find_libstdcxx() {
  local candidate
  for candidate in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 \
                   /usr/lib64/libstdc++.so.6 /usr/lib/libstdc++.so.6; do
    [ -e "$candidate" ] && { echo "$candidate"; return 0; }
  done
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}'
}

has_required() {
  local lib
  lib=$(find_libstdcxx)
  [ -n "$lib" ] && grep -qa "$required" "$lib"
}

if has_required; then
  exit 0
fi

lib=$(find_libstdcxx)
codename=""
[ -r /etc/os-release ] && codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

explain() {
  cat >&2 <<MSG
alora setup: TorchSharp 0.107 cannot load here: its native library libLibTorchSharp.so needs
  $required from libstdc++.so.6, and ${lib:-this system's libstdc++} does not provide it
  (it comes with GCC 13 or newer).
How to fix: install a libstdc++6 from GCC 13+ (on Debian 12: add a Debian 13 'trixie' apt source
  pinned at priority 100 and run 'apt-get install -t trixie libstdc++6' as root; this script does
  that itself when run as root on Debian 12), or use a distribution with GCC 13+ (Debian 13,
  Ubuntu 24.04). $1
MSG
}

if [ "$codename" != "bookworm" ]; then
  explain "This system is not Debian 12 (VERSION_CODENAME='${codename}'), so nothing was changed."
  exit 1
fi
if [ "$(id -u)" != "0" ]; then
  explain "Not running as root, so nothing was changed; re-run 'make' as root or do the step above."
  exit 1
fi

echo "alora setup: installing libstdc++6 from Debian 13 (trixie) for $required ..." >&2
# Reuse the mirror this machine already uses for bookworm.
mirror=$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1 | awk '{print $2}')
[ -n "$mirror" ] || mirror=$(grep -hoE '^deb +[^ ]+debian/? ' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
[ -n "$mirror" ] || mirror="http://deb.debian.org/debian"

cat > /etc/apt/sources.list.d/alora-trixie.sources <<SRC
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
cat > /etc/apt/preferences.d/alora-trixie-pin <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq -t trixie libstdc++6 >/dev/null

if has_required; then
  echo "alora setup: $required is now available." >&2
  exit 0
fi
explain "The automatic install ran but $required is still missing."
exit 1
