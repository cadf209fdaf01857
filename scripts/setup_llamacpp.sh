#!/usr/bin/env bash
# llama.cpp's OpenAI-compatible server (llama-cpp-python with its `server` extra) in a virtual environment of its
# own: .venv-llamacpp at the repository root. benchmarks/bench_engines.py measures it on the demo GGUF, and the
# managed `llamacpp` backend starts `python -m llama_cpp.server` from it. A separate venv because it needs none of
# torch and its build must not disturb .venv. It compiles llama.cpp from source: about 5-10 min on 2 cores, at
# nice 19 so it does not slow what else runs. Idempotent: does nothing when llama_cpp.server imports.
#
#   bash scripts/setup_llamacpp.sh        # PYTHON=python3.11 VENV=/other/path LLAMA_CPP_VERSION=0.3.36 to override
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv-llamacpp}"
LLAMA_CPP_VERSION="${LLAMA_CPP_VERSION:-0.3.36}"
JOBS="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}"

check() {
    "$VENV/bin/python" -c 'import llama_cpp, llama_cpp.server.app' 2>/dev/null
}

STAMP="$VENV/.emwatch-llamacpp-$LLAMA_CPP_VERSION"
if [ -f "$STAMP" ] && [ -x "$VENV/bin/python" ]; then
    exit 0  # checked before
fi
if [ -x "$VENV/bin/python" ] && check; then
    touch "$STAMP"
    echo "llama.cpp server ready in $VENV ($("$VENV/bin/python" -c 'import llama_cpp; print(llama_cpp.__version__)'))"
    exit 0
fi

command -v cmake >/dev/null 2>&1 || echo "note: no system cmake; pip brings its own (the cmake package)"
echo "building llama-cpp-python $LLAMA_CPP_VERSION in $VENV: compiles llama.cpp, about 5-10 min on 2 cores"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
# GGML_NATIVE (the default) compiles for this CPU's own instruction set (AVX2/FMA, AVX-512 where present):
# the venv is for this machine, not to be copied to another CPU.
CMAKE_BUILD_PARALLEL_LEVEL="$JOBS" nice -n 19 "$VENV/bin/pip" install -q --no-cache-dir \
    "llama-cpp-python[server]==$LLAMA_CPP_VERSION"

if ! check; then
    echo "llama-cpp-python was installed in $VENV but does not import; try: $VENV/bin/python -c 'import llama_cpp.server.app'" >&2
    exit 1
fi
touch "$STAMP"
echo "llama.cpp server ready in $VENV ($("$VENV/bin/python" -c 'import llama_cpp; print(llama_cpp.__version__)'))"
