"""`emwatch demo`: the packaged demo study (a small real EM study on the CPU with the shipped
Qwen2.5-Coder-0.5B-Instruct) run by the study job, and its per-checkpoint table."""

from emwatch.demo._run import JUDGE_CAVEAT, STUDY, DemoResult, demo_study, plot_steps, run_demo, step_table
from emwatch.models import DemoModelError, assemble_gguf, cache_dir, demo_model_dir, gguf_parts

__all__ = [
    "JUDGE_CAVEAT", "STUDY", "DemoResult", "demo_study", "plot_steps", "run_demo", "step_table", "DemoModelError", "assemble_gguf",
    "cache_dir", "demo_model_dir", "gguf_parts"]
