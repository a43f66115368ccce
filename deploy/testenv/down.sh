#!/usr/bin/env bash
# Stops every test component started by up.sh.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for c in slapd samba-ad redis chromium winrm-client; do
  [ -f "$here/$c.sh" ] && bash "$here/$c.sh" stop
done
exit 0
