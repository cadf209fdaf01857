"""Whole studies as one resumable job (`emwatch run STUDY.yaml`): the study file, its plan and size, the job
graph (train -> each checkpoint as soon as it is saved -> sample -> judge -> analyses and report) and the
executors that run it (this machine, or a Ray cluster)."""

from emwatch.run._adaptive import AdaptiveSummary, sample_adaptive
from emwatch.run._executors import Executor, Finished, LocalExecutor, Resources
from emwatch.run._job import STAGES, Job, JobResult
from emwatch.run._plan import RunTask, monitor_power, plan_runs, size
from emwatch.run._status import adaptive_status, status_table
from emwatch.run._study import Evaluate, LoadedStudy, ModelEntry, SimulateSettings, Study, load_study

__all__ = ["STAGES", "Evaluate", "Executor", "Finished", "Job", "JobResult", "LoadedStudy", "LocalExecutor",
           "ModelEntry", "Resources", "RunTask", "SimulateSettings", "Study", "load_study", "make_executor", "plan_runs", "run_study",
           "size", "status_table"]
__all__ += ["AdaptiveSummary", "adaptive_status", "sample_adaptive"]


def make_executor(name: str, **options):
    """The executor called `name`: 'local' (this machine) or 'ray' (a Ray cluster; `address` of its head)."""
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
    ex = make_executor(executor, **options) if isinstance(executor, str) else executor
    for m in monitor_power(plan_runs(loaded)):   # what each online monitor can see, said before anything trains
        log(f"monitor {m['monitor']} on {m['runs']} run{'s' * (m['runs'] != 1)}: {m['text']}")
    return Job(loaded, ex, progress=progress, log=log, simulate=simulate).run()
