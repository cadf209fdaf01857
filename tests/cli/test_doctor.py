"""`emwatch doctor` and `dtype: auto`: the machine's facts, and bf16 only where the hardware computes it."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emwatch.cli import app
from emwatch.config import BackendSpec, TrainConfig, register_backend
from emwatch.config import _machine as machine
from emwatch.config._plugins import BACKENDS

runner = CliRunner()

EPYC = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC
flags\t\t: fpu sse2 avx avx2 fma
"""
SAPPHIRE = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: avx2 fma avx512f avx512_bf16 amx_bf16 amx_tile
"""


def test_dtype_auto_is_the_default_for_training_and_in_process_models():
    assert BackendSpec(model="m").dtype == "auto"
    assert TrainConfig(model="m", dataset="insecure").dtype == "auto"


@pytest.mark.parametrize("text, native", [(EPYC, False), (SAPPHIRE, True)])
def test_auto_is_bf16_only_on_cpus_with_native_bf16(monkeypatch, text, native):
    parsed = machine.parse_cpuinfo(text)
    assert parsed["model"] in ("AMD EPYC", "Intel(R) Xeon(R) Platinum 8480+")
    monkeypatch.setattr(machine, "_cpuinfo_text", lambda: text)
    machine.cpu_info.cache_clear()
    try:
        assert machine.cpu_info()["native_bf16"] is native
        assert machine.resolve_dtype("auto", "cpu") == ("bfloat16" if native else "float32")
        assert machine.resolve_dtype("float16", "cpu") == "float16"  # a named dtype is never changed
        assert ("native bf16: avx512_bf16, amx_bf16" in machine.dtype_reason("bfloat16", "cpu")) is native
    finally:
        machine.cpu_info.cache_clear()


def test_this_machine_resolves_auto_from_its_own_cpuinfo():
    flags = Path("/proc/cpuinfo").read_text().split()
    native = "avx512_bf16" in flags or "amx_bf16" in flags
    assert machine.resolve_dtype("auto", "cpu") == ("bfloat16" if native else "float32")


def test_training_plans_keep_auto_and_the_trainer_resolves_it():
    """A run's id and stored config hold the dtype as asked; `auto` is resolved by the trainer, on the machine
    that trains, and recorded in each checkpoint's meta.json (train._runs.resolved_meta)."""
    from emwatch.train._api import plans
    from emwatch.train._runs import resolved_meta

    cfg = TrainConfig(model="m", dataset="insecure", limit_examples=4)
    (plan, _), = list(plans(cfg))
    assert plan.config["dtype"] == "auto"
    meta = resolved_meta(machine.resolve_dtype("auto"), "cpu")
    assert meta["dtype"] == machine.resolve_dtype("auto") != "auto" and meta["world_size"] == 1
    assert meta["versions"]["torch"] and meta["versions"]["peft"]


def test_doctor_json_reports_the_machine_and_the_chosen_dtype():
    register_backend("doctor-missing", "emwatch_no_such_module:Backend", install="pip install nothing-real")
    try:
        r = runner.invoke(app, ["doctor", "--format", "json"])
    finally:
        BACKENDS.unregister("doctor-missing")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["dtype"] == machine.resolve_dtype("auto")
    cpu = report["cpu"]
    assert cpu["cores"] >= 1 and set(cpu["flags"]) <= set(machine.SHOWN_FLAGS)
    assert ("avx2" in cpu["flags"]) == ("avx2" in Path("/proc/cpuinfo").read_text().split())
    assert report["memory"]["total_gb"] > 0 and report["memory"]["read_gbs"] > 0.1
    assert report["versions"]["torch"] and report["versions"]["transformers"]
    assert report["backends"]["transformers"]["importable"] is True
    missing = report["backends"]["doctor-missing"]
    assert missing["importable"] is False and missing["install"] == "pip install nothing-real"
    assert set(report["trainers"]) >= {"transformers", "tinker", "openai"}


def test_doctor_table_names_the_dtype_and_cpu_flags():
    r = runner.invoke(app, ["doctor", "--quick"])
    assert r.exit_code == 0, r.output
    assert f"dtype: {machine.resolve_dtype('auto')}" in r.stdout
    assert "cpu.flags:" in r.stdout and "memory.read_gbs" not in r.stdout  # --quick skips the bandwidth test
