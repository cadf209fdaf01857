"""Whole studies as one resumable job (`emwatch run STUDY.yaml`): the study file, its plan and size, the job
graph (train -> each checkpoint as soon as it is saved -> sample -> judge -> analyses and report) and the
executors that run it (this machine, or a Ray cluster)."""

from __future__ import annotations

from emwatch._lazy import lazy_exports

# each name is imported from its module when first used: `emwatch status` reads the store without importing
# the job, the plans and their configs (pydantic, numpy)
__getattr__ = lazy_exports(__name__, {
    "AdaptiveSummary": "_adaptive", "sample_adaptive": "_adaptive",
    "Executor": "_executors", "Finished": "_executors", "LocalExecutor": "_executors", "Resources": "_executors",
    "STAGES": "_job", "Job": "_job", "JobResult": "_job",
    "RunTask": "_plan", "monitor_power": "_plan", "plan_runs": "_plan", "size": "_plan",
    "adaptive_status": "_status", "status_table": "_status",
    "Evaluate": "_study", "LoadedStudy": "_study", "ModelEntry": "_study", "SimulateSettings": "_study",
    "Study": "_study", "load_study": "_study",
})

__all__ = ["STAGES", "Evaluate", "Executor", "Finished", "Job", "JobResult", "LoadedStudy", "LocalExecutor",
           "ModelEntry", "Resources", "RunTask", "SimulateSettings", "Study", "load_study", "make_executor", "plan_runs", "run_study",
           "size", "status_table"]
__all__ += ["AdaptiveSummary", "adaptive_status", "sample_adaptive"]


def make_executor(name: str, **options):
    """The executor called `name`: 'local' (this machine) or 'ray' (a Ray cluster; `address` of its head)."""
    from emwatch.run._executors import LocalExecutor

    if name == "local":
        return LocalExecutor()
    if name == "ray":
        from emwatch.run._ray import RayExecutor

        return RayExecutor(**options)
    from emwatch.config import ConfigError

    raise ConfigError(f"unknown executor {name!r} (local or ray)")


def run_study(loaded: LoadedStudy, executor: str | Executor = "local", *, progress: bool = True, log=print,
              simulate: bool = False, **options) -> JobResult:
    """Run (or resume) the whole study; returns what it did. `simulate`: every trainer, sampler and judge
    replaced by the simulated ones (the study's `simulate:` curve), the job, store and analyses real."""
    from emwatch.run._job import Job
    from emwatch.run._plan import monitor_power, plan_runs

    ex = make_executor(executor, **options) if isinstance(executor, str) else executor
    for m in monitor_power(plan_runs(loaded)):   # what each online monitor can see, said before anything trains
        log(f"monitor {m['monitor']} on {m['runs']} run{'s' * (m['runs'] != 1)}: {m['text']}")
    return Job(loaded, ex, progress=progress, log=log, simulate=simulate).run()
