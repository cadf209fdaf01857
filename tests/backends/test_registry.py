"""Backends by name: one added from this file alone, the built-ins' names and aliases, lazy import with the
pip hint, the declared protocol the Runner relies on, and the layering of emwatch.backends."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap

import pytest

from emwatch.backends import (BACKENDS, AsyncBackendBase, BackendBase, Generation, GenerationRequest,
                              MissingDependency, NumberDistribution, Runner, ScoreRequest, make_backend,
                              register_backend)
from emwatch.config import BackendSpec, ConfigError, SampleConfig, load_config


class Mine(BackendBase):
    """A backend written in a test file: answers name the model; judges answer 42; records its batches."""

    name = "mine"

    def __init__(self, spec: BackendSpec):
        self.spec = spec
        self.batches: list[int] = []
        self.closed = False

    def generate(self, requests):
        self.batches.append(len(requests))
        return [Generation(text=f"{self.spec.model} says {r.messages[-1]['content']}") for r in requests]

    def score_numbers(self, requests):
        self.batches.append(len(requests))
        return [NumberDistribution(probs={"42": 1.0}) for _ in requests]

    def close(self):
        self.closed = True


class MineAsync(AsyncBackendBase):
    """The same, one request at a time as coroutines: the Runner must keep at most max_concurrency in flight."""

    name = "mine-async"

    def __init__(self, spec: BackendSpec):
        self.spec = spec
        self.in_flight = self.peak = 0

    async def agenerate_one(self, request):
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.002)
        self.in_flight -= 1
        return Generation(text="async " + request.messages[-1]["content"])

    async def ascore_one(self, request):
        return NumberDistribution(probs={"7": 1.0})


@pytest.fixture()
def mine():
    register_backend("mine", Mine, help="a test backend")
    register_backend("mine-async", MineAsync)
    yield
    BACKENDS.unregister("mine")
    BACKENDS.unregister("mine-async")


def reqs(n: int) -> list[GenerationRequest]:
    return [GenerationRequest(messages=({"role": "user", "content": f"q{i}"},)) for i in range(n)]


def test_a_backend_added_from_a_test_file_is_built_and_driven(mine):
    backend = make_backend(BackendSpec(kind="mine", model="x", batch_size=3))
    assert isinstance(backend, Mine)
    runner = Runner.for_spec(backend, progress=False)  # batch size from the backend's own spec
    assert not runner.is_async
    out = runner.generate(reqs(7))
    assert [g.text for g in out] == [f"x says q{i}" for i in range(7)]
    assert backend.batches == [3, 3, 1]
    [dist] = runner.score_numbers([ScoreRequest(messages=({"role": "user", "content": "rate"},))])
    assert dist.probs == {"42": 1.0}


def test_an_async_backend_added_from_a_test_file_gets_bounded_concurrency(mine):
    backend = make_backend(BackendSpec(kind="mine-async", model="y", max_concurrency=2))
    runner = Runner.for_spec(backend, progress=False)
    assert runner.is_async
    assert [g.text for g in runner.generate(reqs(6))] == [f"async q{i}" for i in range(6)]
    assert backend.peak == 2
    assert backend.generate(reqs(2))[1].text == "async q1"  # the base class's batch form of the coroutines


def test_a_yaml_config_naming_a_registered_kind_validates(mine, tmp_path):
    path = tmp_path / "sample.yaml"
    path.write_text("bank: em240\nbackend:\n  kind: mine\n  model: x\n")
    cfg = load_config(SampleConfig, path)
    assert cfg.backend.kind == "mine" and isinstance(make_backend(cfg.backend), Mine)


def test_an_unknown_kind_names_file_line_field_and_the_known_kinds(tmp_path):
    path = tmp_path / "sample.yaml"
    path.write_text("bank: em240\nbackend:\n  kind: mine\n  model: x\n")
    with pytest.raises(ConfigError) as e:
        load_config(SampleConfig, path)
    msg = str(e.value)
    assert f"{path}:3" in msg and "backend.kind" in msg and "unknown backend 'mine'" in msg
    assert "openai, simulated, tinker, transformers (or hf)" in msg   # simulated: `emwatch run --simulate`


def test_hf_is_an_alias_of_transformers():
    spec = BackendSpec(kind="hf", model="x")
    assert spec.kind == "transformers" and BackendSpec(model="x").kind == "transformers"
    from emwatch.backends._hf import HFBackend

    assert BACKENDS.load("hf") is HFBackend and BACKENDS.load("transformers") is HFBackend
    assert HFBackend.name == "transformers"


def test_a_missing_module_raises_the_pip_hint():
    register_backend("ghost", "emwatch_no_such_module_for_tests:Ghost", install="pip install ghost-backend")
    try:
        with pytest.raises(MissingDependency, match=r"'ghost' needs a package that is missing "
                                                    r"\(emwatch_no_such_module_for_tests\): pip install ghost-backend"):
            make_backend(BackendSpec(kind="ghost", model="x"))
    finally:
        BACKENDS.unregister("ghost")


def test_a_module_whose_import_fails_raises_the_pip_hint(tmp_path, monkeypatch):
    (tmp_path / "emwatch_test_broken_backend.py").write_text(textwrap.dedent("""
        import emwatch_test_dependency_nobody_installed  # the optional dependency that is missing

        class Broken:
            pass
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    register_backend("broken", "emwatch_test_broken_backend:Broken", install="pip install 'emwatch[broken]'")
    try:
        with pytest.raises(MissingDependency) as e:
            make_backend(BackendSpec(kind="broken", model="x"))
        assert "emwatch_test_dependency_nobody_installed" in str(e.value)
        assert str(e.value).endswith(": pip install 'emwatch[broken]'")
        assert isinstance(e.value, ImportError)  # callers that caught ImportError still do
    finally:
        BACKENDS.unregister("broken")


def test_a_dependency_imported_when_the_backend_is_built_raises_the_pip_hint():
    class NeedsTorchLater(BackendBase):  # like the transformers backend: torch is imported in __init__
        def __init__(self, spec):
            raise ModuleNotFoundError("No module named 'heavy_lib'", name="heavy_lib")

    register_backend("later", NeedsTorchLater, install="pip install heavy-lib")
    try:
        with pytest.raises(MissingDependency, match=r"\(heavy_lib\): pip install heavy-lib"):
            make_backend(BackendSpec(kind="later", model="x"))
    finally:
        BACKENDS.unregister("later")


def test_a_taken_name_is_refused_unless_replaced():
    with pytest.raises(ValueError, match="'hf' is taken by 'transformers'"):
        register_backend("hf", Mine)
    with pytest.raises(ValueError, match="registered already"):
        register_backend("openai", Mine)


def test_the_runner_refuses_an_object_that_is_not_a_backend():
    class NoSpec:  # the protocol's members, but `spec`
        name = "nospec"

        def generate(self, requests):
            return []

        def score_numbers(self, requests):
            return []

        def close(self):
            pass

    with pytest.raises(TypeError, match="NoSpec is not a Backend: it has no spec"):
        Runner(NoSpec())
    with pytest.raises(TypeError, match="NoSpec is not a Backend: it has no spec"):
        Runner.for_spec(NoSpec())


def test_backends_import_no_higher_layer_and_config_imports_no_backend():
    code = textwrap.dedent("""
        import sys
        import emwatch.config
        config_only = sorted(m for m in sys.modules if m.startswith("emwatch."))
        import emwatch.backends, emwatch.backends._hf, emwatch.backends._openai, emwatch.backends._tinker
        print(",".join(config_only))
        print(",".join(sorted(m for m in sys.modules if m.startswith("emwatch."))))
        print("torch" in sys.modules)
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    config_mods, backend_mods, torch_loaded = out.stdout.strip().splitlines()
    assert not [m for m in config_mods.split(",") if m.split(".")[1] in ("backends", "train")]
    higher = {"train", "demo", "sample", "judge", "analysis", "report", "cli", "bench", "data", "store"}
    assert not [m for m in backend_mods.split(",") if m.split(".")[1] in higher], backend_mods
    assert torch_loaded == "False"  # naming or importing a backend does not load torch


def test_replacing_an_entry_drops_its_old_aliases():
    from emwatch._registry import Registry

    reg = Registry("thing")
    reg.register("a", "m:A", aliases=("old",))
    reg.register("a", "m:B", aliases=("new",), replace=True)
    assert "old" not in reg and reg.canonical("new") == "a" and reg.entry("a").target == "m:B"
