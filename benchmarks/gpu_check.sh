#!/usr/bin/env bash
# The GPU check of managed vLLM, in one go on one CUDA GPU (about 4-7 minutes with a fast package mirror):
# the demo model (Qwen2.5-Coder-0.5B-Instruct) served by `backend: vllm` with two rank-32 LoRA checkpoints,
# answers/s printed, then in-process transformers on the same workload, and the ratio.
#
#   bash benchmarks/gpu_check.sh                 # results in gpu_check_out/ (OUT=... to change)
#
# It installs what it needs itself:
#   - emwatch with its demo extra into .venv-gpu, a venv that sees the machine's own CUDA torch
#     (--system-site-packages), so no second torch is downloaded;
#   - vLLM's GPU build into .venv-vllm-gpu (vLLM pins its own torch and transformers), unless
#     EMWATCH_VLLM_PYTHON already names a python that imports vllm.
# Without internet: WHEELS=/path/to/wheels installs both from that folder only (pip --no-index).
# Knobs: PYTHON (a python with CUDA torch; default python3), VLLM_SPEC (default "vllm"), PROMPTS (64),
# TOKENS (128), BENCH_TIMEOUT (seconds for the benchmark itself; default 330).
set -euo pipefail
cd "$(dirname "$0")/.."

START=$(date +%s)
PY="${PYTHON:-python3}"
OUT="${OUT:-gpu_check_out}"
VENV="${VENV:-.venv-gpu}"
VLLM_VENV="${VLLM_VENV:-.venv-vllm-gpu}"
VLLM_SPEC="${VLLM_SPEC:-vllm}"
PIP_FROM=()
if [ -n "${WHEELS:-}" ]; then PIP_FROM=(--no-index --find-links "$WHEELS"); fi
mkdir -p "$OUT"
log() { echo "[gpu_check +$(( $(date +%s) - START )) s] $*"; }

nvidia-smi -L || { echo "gpu_check: no NVIDIA GPU visible (nvidia-smi failed)" >&2; exit 1; }
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" \
    || { echo "gpu_check: $PY has no CUDA torch; set PYTHON to one that has" >&2; exit 1; }

if ! "$VENV/bin/python" -c "import emwatch, duckdb, peft, openai" 2>/dev/null; then
    log "installing emwatch[demo] into $VENV (system torch kept)"
    "$PY" -m venv --system-site-packages "$VENV"
    "$VENV/bin/pip" install -q "${PIP_FROM[@]}" -e ".[demo]"
fi

if [ -n "${EMWATCH_VLLM_PYTHON:-}" ] && "$EMWATCH_VLLM_PYTHON" -c "import vllm" 2>/dev/null; then
    VPY="$EMWATCH_VLLM_PYTHON"
else
    if ! "$VLLM_VENV/bin/python" -c "import vllm" 2>/dev/null; then
        log "installing $VLLM_SPEC into $VLLM_VENV (its own torch and transformers)"
        "$PY" -m venv "$VLLM_VENV"
        "$VLLM_VENV/bin/pip" install -q "${PIP_FROM[@]}" "$VLLM_SPEC"
    fi
    VPY="$VLLM_VENV/bin/python"
fi
log "vLLM $("$VPY" -c 'import vllm; print(vllm.__version__)') at $VPY"

log "demo model (assembled from its packages and hash-checked once)"
MODEL=$("$VENV/bin/python" -c "from emwatch.models import demo_model_dir; print(demo_model_dir(log=lambda *a: None))")

log "benchmark: managed vLLM, then transformers, same workload"
set -o pipefail
timeout "${BENCH_TIMEOUT:-330}" env PYTHONUNBUFFERED=1 "$VENV/bin/python" benchmarks/bench_vllm_managed.py \
    --model "$MODEL" --device cuda --dtype bfloat16 --prompts "${PROMPTS:-64}" --tokens "${TOKENS:-128}" \
    --batch 64 --max-model-len 2048 --vllm-python "$VPY" --log-dir "$OUT" --json "$OUT/gpu_check.json" \
    | tee "$OUT/gpu_check.log"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee -a "$OUT/gpu_check.log"
log "done: $OUT/gpu_check.json, $OUT/gpu_check.log, server log in $OUT/"
