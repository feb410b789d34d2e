#!/usr/bin/env bash
# `make local-model`: record Retest runs against a real model on a real OpenAI-compatible server, offline.
#
# 1. install.sh puts SmolLM2-135M-Instruct (GGUF) and a llama-server built from llama-cpp-python's
#    sdist into the cache (first run only; a stamp file per piece);
# 2. llama-server starts on 127.0.0.1 on a free port (one thread, one slot), and the arXiv stand-in
#    (serve_slice.py) serves an index of the real slice evals/data/arxiv-slice on another;
# 3. each line runs as a user would, `retest run LINE --record cassettes/real-local/<line>.yaml
#    --run-date RUN_DATE`, every role on the local server;
# 4. both servers are stopped by their process IDs on every exit (trap), failures included.
# A run the weak model spoils (unresolved claims, dropped quotes) is still a recorded run. A run that
# records nothing (the server or the stand-in would not start, retest refused to start) fails this target.
#
# Knobs: LOCAL_MODEL_LINES (space-separated line files), RUN_DATE, LOCAL_MODEL_CTX, LOCAL_MODEL_OUT.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
PY=.venv/bin/python
RETEST=.venv/bin/retest
RUN_DATE=${RUN_DATE:-2026-04-01}
OUT=${LOCAL_MODEL_OUT:-cassettes/real-local}
# SmolLM2 was trained on 8,192 tokens, and llama-server caps a slot at the training window whatever -c says.
CTX=${LOCAL_MODEL_CTX:-8192}
LINES=${LOCAL_MODEL_LINES:-examples/bargaining-power.txt evals/lines/llm-judges.txt evals/lines/rag-retrieval.txt evals/lines/agent-reliability.txt}
DUMMY_KEY=retest-local-model-dummy-key-0000

say() { printf 'local-model: %s\n' "$*" >&2; }
die() { printf 'local-model: error: %s\n' "$*" >&2; exit 1; }

[ -x "$RETEST" ] || die "no $RETEST: run 'make' (or 'make test') once to create .venv"
CACHE=$(scripts/local_model/install.sh | tail -n 1)
GGUF=$(sed -n 2p "$CACHE/model.stamp")
SERVER_BIN="$CACHE/build/bin/llama-server"
[ -x "$SERVER_BIN" ] || die "no llama-server at $SERVER_BIN; remove $CACHE/llama-server.stamp and run again"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/retest-local-model.XXXXXX")
SERVER_PID=
STANDIN_PID=
stop() {
  local rc=$?
  for pid in $SERVER_PID $STANDIN_PID; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  mkdir -p "$CACHE/last-run"
  cp -f "$WORK"/*.log "$WORK"/standin-log.json "$CACHE/last-run/" 2>/dev/null || true
  rm -rf "$WORK"
  [ "$rc" -eq 0 ] || say "stopped the servers; logs of this attempt are in $CACHE/last-run/"
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Wait until URL answers 200, or the process PID is gone, or SECONDS_LEFT run out.
wait_ok() {
  local url=$1 pid=$2 left=$3
  while [ "$left" -gt 0 ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$url" 2>/dev/null && return 0
    sleep 1
    left=$((left - 1))
  done
  return 1
}

export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

PORT=$(free_port)
say "starting llama-server ($GGUF, context $CTX, one thread) on 127.0.0.1:$PORT"
"$SERVER_BIN" -m "$CACHE/model/$GGUF" --alias smollm2 --host 127.0.0.1 --port "$PORT" \
  -t 1 -tb 1 -c "$CTX" -np 1 --seed 1 >"$WORK/llama-server.log" 2>&1 &
SERVER_PID=$!
wait_ok "http://127.0.0.1:$PORT/health" "$SERVER_PID" 180 \
  || die "llama-server did not become healthy on 127.0.0.1:$PORT; its log: $(tail -n 5 "$WORK/llama-server.log" | tr '\n' ' ')"
SERVER_VERSION=$("$SERVER_BIN" --version 2>&1 | grep -m1 '^version' || echo unknown)

say "starting the arXiv stand-in over evals/data/arxiv-slice"
"$PY" scripts/local_model/serve_slice.py "$WORK" >"$WORK/standin.log" 2>&1 &
STANDIN_PID=$!
for _ in $(seq 1 120); do [ -s "$WORK/standin.url" ] || ! kill -0 "$STANDIN_PID" 2>/dev/null && break; sleep 1; done
[ -s "$WORK/standin.url" ] || die "the arXiv stand-in did not start; its log: $(tail -n 5 "$WORK/standin.log" | tr '\n' ' ')"
ARXIV_URL=$(cat "$WORK/standin.url")

MODEL="openai-compatible:http://127.0.0.1:$PORT/v1#smollm2"
REPLAY_ENV=(
  "RETEST_PLANNER=$MODEL" "RETEST_SCREENER=$MODEL" "RETEST_JUDGE=$MODEL" "RETEST_WRITER=$MODEL"
  "RETEST_ARXIV_API_URL=$ARXIV_URL" "RETEST_ARXIV_SPACING_S=0" "RETEST_MAX_CONCURRENT_CALLS=1"
)
ABOUT=(
  "model=SmolLM2-135M-Instruct ($GGUF, from $(sed -n 1p "$CACHE/model.stamp"))"
  "server=llama.cpp llama-server, $SERVER_VERSION"
  "server_from=$(sed -n 1p "$CACHE/llama-server.stamp") (PyPI sdist, vendored llama.cpp)"
  "server_flags=-t 1 -tb 1 -c $CTX -np 1 --seed 1 --alias smollm2"
  "run_date=$RUN_DATE"
  "recorded_on=$(date -u +%Y-%m-%d)"
)
mkdir -p "$OUT"
failed_to_start=()
for line in $LINES; do
  name=$(basename "$line"); name=${name%.*}
  cassette="$OUT/$name.yaml"
  home="$WORK/home-$name"
  rm -f "$OUT/$name.incomplete.yaml"
  say "recording $line into $cassette"
  start=$(date +%s.%N)
  set +e
  env "${REPLAY_ENV[@]}" RETEST_HOME="$home" RETEST_ARXIV_LOCK_FILE="$WORK/arxiv.lock" \
    RETEST_COMPAT_API_KEY="$DUMMY_KEY" RETEST_MODEL_TIMEOUT_S=900 \
    "$RETEST" run "$line" --record "$cassette" --run-date "$RUN_DATE" 2>&1 | tee "$WORK/run-$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  end=$(date +%s.%N)
  wall=$("$PY" -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$start" "$end")
  say "$line: exit $rc after ${wall%.*} s"
  kept=complete
  if [ "$rc" -ne 0 ]; then
    if [ ! -f "$OUT/$name.incomplete.yaml" ]; then
      failed_to_start+=("$line (exit $rc, nothing recorded; see the message above)")
      continue
    fi
    # The run failed on the model's answers: retest kept every call it made, answered, in
    # <line>.incomplete.yaml. Replaying that file retraces the run to the same error, so it is
    # this line's recording; it is moved unchanged.
    mv -f "$OUT/$name.incomplete.yaml" "$cassette"
    kept="incomplete: the run failed (exit $rc); retest kept its calls in $name.incomplete.yaml, moved here unchanged"
  fi
  "$PY" scripts/local_model/summary.py "$OUT/manifest.json" --line "$line" --cassette "$cassette" \
    --exit-code "$rc" --wall-s "$wall" --home "$home" --kept "$kept" --replay-env "${REPLAY_ENV[@]}" --about "${ABOUT[@]}" >/dev/null
done

[ "${#failed_to_start[@]}" -eq 0 ] || die "recorded nothing for: ${failed_to_start[*]}"
# The eval suite that replays them in `make test` carries the ports of this recording.
[ "$OUT" != cassettes/real-local ] || "$PY" scripts/local_model/suite.py >/dev/null
say "done: cassettes and manifest.json in $OUT/, suite evals/suites/real-local_v1.yaml"
