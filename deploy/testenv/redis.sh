#!/usr/bin/env bash
# Throw-away Redis for the session registry tests: 127.0.0.1:6390 (from
# $PSGATE_TEST_REDIS_ADDR), no persistence, state in /tmp/psgate-testenv/redis.
# Tests isolate themselves with a key prefix each.
# Usage: redis.sh packages|start|stop
set -euo pipefail
ADDR=${PSGATE_TEST_REDIS_ADDR:-127.0.0.1:6390}
PORT=${ADDR##*:}
DIR=${PSGATE_TEST_REDIS_DIR:-/tmp/psgate-testenv/redis}
PIDFILE=$DIR/redis.pid

# alive PID: running, not a zombie (PID 1 may be a minimal init), and a
# redis-server (guards against a stale pidfile whose PID was reused).
alive() { local s; s=$(ps -o stat=,comm= -p "$1" 2>/dev/null) || return 1; [[ $s != Z* && $s == *redis-server* ]]; }

stop() {
  if [[ -f $PIDFILE ]]; then
    local pid; pid=$(cat "$PIDFILE")
    if alive "$pid"; then
      kill "$pid"
      for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    fi
    rm -f "$PIDFILE"
  fi
  echo "redis: stopped"
}

start() {
  # Idempotent: an instance of ours that answers is kept (fast path).
  if [[ -f $PIDFILE ]] && alive "$(cat "$PIDFILE")" &&
     [[ $(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null) == PONG ]]; then
    echo "redis: already running on 127.0.0.1:$PORT"; return
  fi
  stop >/dev/null
  rm -rf "$DIR"; mkdir -p "$DIR"
  redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --daemonize yes --pidfile "$PIDFILE" \
    --logfile "$DIR/redis.log" --save "" --appendonly no --databases 16
  for _ in $(seq 100); do
    [[ $(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null) == PONG ]] && { echo "redis: started on 127.0.0.1:$PORT"; return; }
    sleep 0.05
  done
  echo "redis: did not answer on 127.0.0.1:$PORT (see $DIR/redis.log)" >&2; exit 1
}

case "${1:-start}" in
  packages) echo "redis-server redis-tools" ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 packages|start|stop" >&2; exit 2 ;;
esac
