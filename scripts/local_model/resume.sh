#!/usr/bin/env bash
# Add a new model task's calls to the real-local cassettes, keeping every recorded interaction the run still asks for.
#
# For each line in cassettes/real-local/manifest.json (or LOCAL_MODEL_LINES, names like
# bargaining-power): its cassette is copied to its incomplete path, llama-server starts on the port
# the recording used (the requests match on it), and resume_run.py runs the line with the cassette
# opened with resume=True: every request the recording holds is answered from it, only the new ones
# reach the server. No arXiv stand-in: the recorded arXiv requests answer themselves, and a new one
# would fail the run (no server on its port), which is what should happen.
# Same model, server build and flags as record.sh. The servers are stopped by their process IDs.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
PY=.venv/bin/python
OUT=${LOCAL_MODEL_OUT:-cassettes/real-local}
CTX=${LOCAL_MODEL_CTX:-8192}
DUMMY_KEY=retest-local-model-dummy-key-0000
say() { printf 'local-model resume: %s\n' "$*" >&2; }
die() { printf 'local-model resume: error: %s\n' "$*" >&2; exit 1; }

CACHE=$(scripts/local_model/install.sh | tail -n 1)
GGUF=$(sed -n 2p "$CACHE/model.stamp")
SERVER_BIN="$CACHE/build/bin/llama-server"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/retest-local-resume.XXXXXX")
SERVER_PID=
stop() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  mkdir -p "$CACHE/last-run" && cp -f "$WORK"/*.log "$CACHE/last-run/" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

NAMES=${LOCAL_MODEL_LINES:-$("$PY" -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["lines"])))' "$OUT/manifest.json")}
RUN_DATE=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_date"])' "$OUT/manifest.json")
for name in $NAMES; do
  entry() { "$PY" -c 'import json,sys; e=json.load(open(sys.argv[1]))["lines"][sys.argv[2]]; print(eval(sys.argv[3]))' "$OUT/manifest.json" "$name" "$1"; }
  line=$(entry 'e["line"]')
  cassette="$OUT/$name.yaml"
  mapfile -t REPLAY_ENV < <(entry '"\n".join(f"{k}={v}" for k, v in e["replay_env"].items())')
  PORT=$(entry 'e["replay_env"]["RETEST_WRITER"].split(":")[-1].split("/")[0]')
  cp -f "$cassette" "$OUT/$name.incomplete.yaml"
  say "starting llama-server on the recorded port 127.0.0.1:$PORT for $name"
  "$SERVER_BIN" -m "$CACHE/model/$GGUF" --alias smollm2 --host 127.0.0.1 --port "$PORT" \
    -t 1 -tb 1 -c "$CTX" -np 1 --seed 1 >"$WORK/llama-server-$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 180); do
    "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "http://127.0.0.1:$PORT/health" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "llama-server exited; $(tail -n 3 "$WORK/llama-server-$name.log")"
    sleep 1
  done
  start=$(date +%s)
  set +e
  env "${REPLAY_ENV[@]}" RETEST_HOME="${RESUME_HOMES:-$WORK}/home-$name" RETEST_COMPAT_API_KEY="$DUMMY_KEY" RETEST_MODEL_TIMEOUT_S=900 \
    "$PY" scripts/local_model/resume_run.py run "$line" --record "$cassette" --run-date "$RUN_DATE" 2>&1 | tee "$WORK/run-$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  say "$name: exit $rc after $(( $(date +%s) - start )) s"
  cp -f "$WORK/run-$name.log" "${RESUME_LOGS:-/tmp}/resume-$name.log" 2>/dev/null || true
  kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
done
