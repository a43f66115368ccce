#!/bin/sh
# winrm-client.sh: the independent WinRM client used against the simulator
# (python3-winrm 0.3.0, run with /usr/bin/python3 or $PSGATE_TEST_PYTHON).
set -eu
PY="${PSGATE_TEST_PYTHON:-/usr/bin/python3}"
case "${1:-}" in
packages) echo "python3-winrm python3-requests-ntlm" ;;
start)
	"$PY" -c 'import winrm' || { echo "winrm-client: $PY cannot import winrm (install python3-winrm)" >&2; exit 1; }
	;;
stop) : ;;
*) echo "usage: $0 packages|start|stop" >&2; exit 2 ;;
esac
