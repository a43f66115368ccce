#!/usr/bin/env bash
# Installs (once) and starts every real component the tests use, on loopback:
# slapd, Samba AD DC, Redis, Chromium, python3-winrm. Idempotent; each
# component has its own script beside this one with install|start|stop.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Never let a package's own init script start a daemon on the default ports.
if [ ! -x /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
fi
components=(slapd samba-ad redis chromium winrm-client)
missing=()
for c in "${components[@]}"; do
  [ -f "$here/$c.sh" ] && missing+=($(bash "$here/$c.sh" packages))
done
need=()
for p in "${missing[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "testenv: installing ${need[*]}"
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
pids=()
for c in "${components[@]}"; do
  [ -f "$here/$c.sh" ] || continue
  bash "$here/$c.sh" start & pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
