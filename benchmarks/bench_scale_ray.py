"""The paper's study at scale, simulated, under the Ray executor on a local multi-node cluster, with a worker
node killed midway: `emwatch run --simulate`'s Job on the overtrained study's plan cut to `--answers` stored
answers (whole recipes in lineup order, as benchmarks/bench_scale.py cuts it).

    .venv/bin/python benchmarks/bench_scale_ray.py [--answers 100000] [--chunk 1024] [--workers 2]
                                                   [--worker-cpus 1] [--kill-at 0.5] [--dir DIR]

The cluster is `ray.cluster_utils.Cluster` (Ray's recommended way to test multi-node behaviour on one machine:
each node is its own raylet on this machine;
Ray binds them to the machine's own address, not 127.0.0.1, and no traffic leaves the machine): a head node with no CPUs (the GCS and the driver only, so every task
runs on a worker node) and `--workers` worker nodes of `--worker-cpus` CPUs each. When the store holds
`--kill-at` of the planned answers, one worker node is removed ungracefully (its raylet and workers SIGKILLed):
the tasks it held come back to the driver as errors, and the driver retries them (the study's `retries`) on the
nodes left.

Measured in one run:
- wall time; driver time per answer (with its judgments) while the store holds ~10k and ~100k answers: as in
  bench_scale.py, the job's wall time minus the time that is not the driver's, over the stretch where the store
  grew from n/2 to n answers. Here the work runs in Ray workers, so what is not the driver's is the time the driver
  spends inside `executor.wait` (blocked on workers, results fetched); the driver process's CPU seconds (Ray's
  threads in it included) over the same stretch are printed beside it; answers + judgments per driver-second;
- the tasks that failed (by cause) and were retried, and the tasks per node;
- whether the final store equals the plan: answers and judge calls exactly as the dry run (`run._plan.size`, what
  `emwatch run --dry-run` prints) says for the cut plan, every checkpoint complete, no duplicate key (SQL on the
  content keys), every task done.

`--adaptive`: the same plan with `sample.adaptive` on (the rule's defaults, `AdaptiveConfig()`, but `--width`;
the study's `simulate:` EM curve, its defaults: base models and control runs at 1%, EM from 60% of training on at the family's
rate). The same study is first run uninterrupted with the local executor (in its own folder), then under Ray with
the kill; measured: answers used against planned (fine-tunes' benchmark answers) and the rule's stops, judge calls
against the dry run's maximum and expected bill, and whether the Ray store equals the uninterrupted local one
(every answer's text, every judgment's score, every stop), with the driver time of both runs. The kill lands
at `--kill-at` of the answers the local run stored.
Prints a markdown section.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import machine_line
from bench_scale import cut_study, window
from emwatch.config import AdaptiveConfig
from emwatch.run import Job, LocalExecutor, adaptive_status, size
from emwatch.run._ray import RayExecutor
from emwatch.run._study import LoadedStudy
from emwatch.store import Store

ROOT = Path(__file__).resolve().parent.parent
FAKE_GPU = "fake_gpu"  # the study's `resources.gpu_resource` here: what a worker node offers in place of GPUs


def _slowed(fn, delay: float, *args):
    """A work function that first sleeps `delay` seconds on its worker (the workers, not the driver, the
    bottleneck: a kill then lands on pieces still running)."""
    time.sleep(delay)
    return fn(*args)


class TimedRayExecutor(RayExecutor):
    """The Ray executor, counting the seconds the driver spends waiting on workers (inside `wait`)."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.wait_s = 0.0
        self.before_wait = lambda: None  # the job's hook: the kill, once pieces are in flight
        self.delay = 0.0

    def submit(self, task_id, kind, fn, args, resources):
        if self.delay and kind != "train":
            fn, args = _slowed, (fn, self.delay, *args)
        super().submit(task_id, kind, fn, args, resources)

    def wait(self, timeout):
        self.before_wait()
        t0 = time.perf_counter()
        try:
            return super().wait(timeout)
        finally:
            self.wait_s += time.perf_counter() - t0


class KillingJob(Job):
    """The job, recording after every commit (wall s, waiting s, answers, judgments, driver CPU s), and removing a
    worker node once the store holds `kill_at` answers."""

    def __init__(self, *a, kill_at: int, kill, **kw):
        super().__init__(*a, **kw)
        self.t0 = time.perf_counter()
        self.cpu0 = time.process_time()
        self.answers = self.judgments = 0
        self.timeline: list[tuple[float, float, int, int, float]] = []
        self.kill_at, self.kill, self.killed = kill_at, kill, None
        self.errors: Counter = Counter()
        self.executor.before_wait = self._maybe_kill

    def _complete(self, fin):
        if fin.error is not None:
            self.errors[type(fin.error).__name__] += 1
        kinds = [type(r).__name__ for r in (fin.result or [])] if fin.error is None else []
        super()._complete(fin)
        self.answers += kinds.count("Sample")
        self.judgments += kinds.count("Judgment")
        self.timeline.append((time.perf_counter() - self.t0, self.executor.wait_s, self.answers, self.judgments,
                              time.process_time() - self.cpu0))

    def _maybe_kill(self) -> None:
        """Once the store holds `kill_at` answers, the next time the driver waits on pieces in flight (so the kill
        lands on work, not between two bursts)."""
        if self.killed is None and self.answers >= self.kill_at and self.executor.busy():
            import ray

            refs = list(self.executor._refs)
            ready, running = ray.wait(refs, num_returns=len(refs), timeout=0)
            if not running:  # every piece in flight has finished already: kill at the next wait
                return
            in_flight = f"{len(refs)} pieces in flight ({len(running)} not finished)"
            t0 = time.perf_counter()
            node = self.kill()
            self.killed = {"at_s": time.perf_counter() - self.t0, "answers": self.answers, "in_flight": in_flight,
                           "node": node, "kill_s": time.perf_counter() - t0}


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def start_cluster(workers: int, cpus: float, gpus: float, object_store_mb: int):
    """A head node without CPUs and `workers` worker nodes of `cpus` CPUs and `gpus` stand-in GPUs (the custom
    resource FAKE_GPU) each, on this machine; the driver joins it with this checkout's emwatch on the workers'
    PYTHONPATH."""
    import ray
    from ray.cluster_utils import Cluster

    common = {"object_store_memory": object_store_mb * 1024 * 1024,
              "include_dashboard": False}
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, **common})
    nodes = [c.add_node(num_cpus=cpus, resources={FAKE_GPU: gpus}, **common) for _ in range(workers)]
    c.wait_for_nodes()
    path = os.pathsep.join(p for p in [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")] if p)
    ray.init(address=c.address, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
    return c, nodes


def check_store(store: Store, planned: dict, per_ck: int, judge: str | None) -> list[tuple[str, object, object]]:
    """(what, stored, expected) for each check of the final store against the plan."""
    q = lambda sql: store.query(sql).iloc[0, 0]  # noqa: E731
    n_ans = q("SELECT count(*) FROM samples")
    llm = q(f"SELECT count(*) FROM judgments WHERE judge_model = '{judge}'") if judge else None
    return [
        ("answers", n_ans, planned["answers"]),
        ("distinct answer keys (checkpoint, question, sample index)",
         q("SELECT count(DISTINCT (checkpoint_id, question_key, sample_index)) FROM samples"), n_ans),
        ("checkpoints", q("SELECT count(*) FROM checkpoints"), planned["checkpoints"]),
        (f"checkpoints without exactly {per_ck} answers",
         q(f"SELECT count(*) FROM (SELECT c.checkpoint_id, count(s.checkpoint_id) AS n FROM checkpoints c "
           f"LEFT JOIN samples s USING (checkpoint_id) GROUP BY 1) WHERE n <> {per_ck}"), 0),
        (f"judge calls ({judge})", llm, planned["judge_calls"]),
        ("static analyses", q("SELECT count(*) FROM judgments") - (llm or 0), planned["static_analyses"]),
        ("distinct judgment keys (sample, judge, metric)",
         q("SELECT count(DISTINCT (sample_id, judge_model, metric)) FROM judgments"), q("SELECT count(*) FROM judgments")),
        ("judgments of no stored answer",
         q("SELECT count(*) FROM judgments j ANTI JOIN samples s USING (sample_id)"), 0),
        ("tasks not done", q("SELECT count(*) FROM tasks WHERE status <> 'done'"), 0),
    ]


RULE: dict = {}  # --width: the rule's settings other than its defaults


def with_adaptive(loaded: LoadedStudy) -> LoadedStudy:
    """The cut study with `sample.adaptive` on (the rule's defaults, but for RULE)."""
    study = loaded.study
    sample = study.sample.model_copy(update={"adaptive": AdaptiveConfig(**RULE)})
    return LoadedStudy(study.model_copy(update={"sample": sample}), loaded.path, loaded.recipes)


def stored(path: Path) -> dict:
    """What a study wrote, independent of where its folders lie: answers (with their text), judgments (with their
    scores; a missing one as -1 with its reason), the rule's rows per checkpoint, tasks not done."""
    with Store(path, read_only=True) as st:
        answers = st.query("SELECT sample_id, checkpoint_id, response FROM samples ORDER BY 1")
        judged = st.query("SELECT sample_id, judge_model, metric, coalesce(score, -1) AS score, reason FROM judgments "
                          "ORDER BY 1, 2, 3")
        stops = sorted((r["run"], r["step"], r["used"], r["planned"], r["rounds"], r["stop"], r["k"], r["n"])
                       for r in adaptive_status(st))
        undone = int(st.query("SELECT count(*) AS n FROM tasks WHERE status <> 'done'").n[0])
        dup = int(st.query("SELECT count(*) - count(DISTINCT (checkpoint_id, question_key, sample_index)) AS d "
                           "FROM samples").d[0])
    return {"answers": [tuple(r) for r in answers.itertuples(index=False)],
            "judgments": [tuple(r) for r in judged.itertuples(index=False)], "stops": stops, "undone": undone,
            "duplicate answer keys": dup}


def local_run(answers: int, out: Path, chunk: int) -> tuple[dict, float, float, float]:
    """The adaptive study uninterrupted with the local executor: (stored, wall s, work s, dry run's plan)."""
    from bench_scale import TimedExecutor

    loaded, runs, _, _ = cut_study(answers, out, chunk)
    loaded = with_adaptive(loaded)
    ex = TimedExecutor()
    t0 = time.perf_counter()
    res = Job(loaded, ex, progress=False, log=lambda m: None, simulate=True, runs=runs).run()
    wall = time.perf_counter() - t0
    if not res.ok:
        raise SystemExit(f"the local run failed: {res.failed[:1]}")
    return stored(loaded.store_path), wall, ex.work_s, size(loaded, runs)


def adaptive_report(local: dict, got: dict, planned: dict, local_wall: float, local_work: float, ray_wall: float,
                    ray_wait: float) -> bool:
    """Print the adaptive figures; True when the Ray store equals the uninterrupted local one."""
    stops = Counter(s[5] for s in got["stops"])
    used, top = sum(s[2] for s in got["stops"]), sum(s[3] for s in got["stops"])
    bill = planned["adaptive"]
    calls = sum(1 for j in got["judgments"] if not j[1].startswith("static:"))
    rule = {k: v for k, v in AdaptiveConfig(**RULE).model_dump().items() if not k.startswith("prior_")}
    print(f"adaptive rule: {rule}\n")
    print("| adaptive | figure |\n|---|---:|")
    print(f"| fine-tuned checkpoints decided by the rule | {len(got['stops']):,} |")
    print(f"| their benchmark answers: used / planned | {used:,} / {top:,} ({used / max(top, 1):.1%}) |")
    print(f"| stops | {', '.join(f'{k} {v:,}' for k, v in stops.most_common())} |")
    print(f"| answers stored (with base models and task prompts, sampled in full) / dry run's plan | "
          f"{len(got['answers']):,} / {planned['answers']:,} |")
    print(f"| judge calls: made / dry run's maximum (full plan) | {calls:,} / {planned['judge_calls']:,} "
          f"({planned['judge_calls'] / max(calls, 1):.2f}x fewer; {planned['judge_calls'] - calls:,} saved) |")
    print(f"| judge calls the dry run expects under the rule (its prior EM curve, not this simulation's) | "
          f"{bill['expected']['judge_calls']:,} |")
    print(f"| uninterrupted local run: wall s / driver s | {local_wall:.1f} / {local_wall - local_work:.1f} |")
    print(f"| Ray run with a node killed: wall s / driver s | {ray_wall:.1f} / {ray_wall - ray_wait:.1f} |")
    same = {k: got[k] == local[k] for k in ("answers", "judgments", "stops")}
    for k, v in same.items():
        print(f"| {k} equal to the uninterrupted local run's | {'yes' if v else '**NO**'} |")
    print(f"| tasks not done; duplicate answer keys | {got['undone']}; {got['duplicate answer keys']} |")
    ok = all(same.values()) and got["undone"] == 0 and got["duplicate answer keys"] == 0
    print(f"\nThe Ray store equals the uninterrupted local run: {'yes' if ok else '**NO**'}\n")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=100_000, help="stored answers to reach")
    ap.add_argument("--chunk", type=int, default=1024, help="the study's `chunk` (answers or judgments per piece)")
    ap.add_argument("--workers", type=int, default=2, help="worker nodes (one is killed)")
    ap.add_argument("--worker-cpus", type=float, default=1, help="CPUs each worker node offers Ray")
    ap.add_argument("--object-store-mb", type=int, default=256, help="each node's object store")
    ap.add_argument("--kill-at", type=float, default=0.5, help="share of the planned answers stored when a worker "
                    "node is killed (0: none)")
    ap.add_argument("--work-delay", type=float, default=0.0, help="seconds each sample or judge piece sleeps on its "
                    "worker first (0: none); the kill loses running work only where workers are the bottleneck")
    ap.add_argument("--adaptive", action="store_true", help="sample.adaptive on; compare with an uninterrupted "
                    "local run of the same study (see the module's doc)")
    ap.add_argument("--width", default=None, help="--adaptive: the rule's `width` ('none': no narrow stop; default: "
                    "the rule's default)")
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    if args.width is not None:
        RULE["width"] = None if args.width.lower() == "none" else float(args.width)
    try:
        import ray
    except ImportError:
        print("## bench_scale_ray.py\n\nnot run: Ray is not installed (`pip install 'emwatch[ray]'`)")
        return

    tmp = Path(args.dir or tempfile.mkdtemp(prefix="emwatch-bench-scale-ray-"))
    loaded, runs, n_planned, n_ckpts = cut_study(args.answers, tmp / "out", args.chunk)
    if args.adaptive:
        loaded = with_adaptive(loaded)
    # the plan's GPU requests as they are (a server of `serve_gpus` per checkpoint's sampling), met by stand-ins
    study = loaded.study
    loaded = LoadedStudy(study.model_copy(update={"resources": study.resources.model_copy(
        update={"gpu_resource": FAKE_GPU})}), loaded.path, loaded.recipes)
    gpus = max(1, *(max(r.recipe.entry.gpus or 0, r.recipe.entry.serve_gpus or 0) for r in runs))
    planned = size(loaded, runs)
    assert planned["answers"] == n_planned, (planned["answers"], n_planned)
    print(f"## bench_scale_ray.py\n\n{machine_line()}\n")
    print(f"plan: the overtrained study's first {len(runs)} runs (of 585, lineup order): {n_ckpts:,} checkpoints with "
          f"the base models', {n_planned:,} answers, {planned['judge_calls']:,} judge calls and "
          f"{planned['static_analyses']:,} static analyses (the dry run's figures for this plan); chunk {args.chunk}, "
          f"retries {loaded.study.retries}\n")
    t_up = time.perf_counter()
    cluster, nodes = start_cluster(args.workers, args.worker_cpus, gpus, args.object_store_mb)
    up_s = time.perf_counter() - t_up
    victim = nodes[0]
    names = {victim.node_id: "worker 1 (killed)", **{n.node_id: f"worker {i + 2}" for i, n in enumerate(nodes[1:])}}
    print(f"cluster: `ray.cluster_utils.Cluster` on this machine, Ray {ray.__version__}: a head node with 0 CPUs (GCS, "
          f"driver) and {args.workers} worker nodes of {args.worker_cpus:g} CPU and {gpus:g} stand-in GPUs each (the "
          f"custom resource {FAKE_GPU}, the study's `resources.gpu_resource`: sampling asks for its model's "
          f"`serve_gpus`), started in {up_s:.0f} s; "
          f"worker 1 removed ungracefully (raylet and its workers SIGKILLed) when the store held "
          f"{args.kill_at:.0%} of the planned answers\n")

    def kill():
        """The node lost whole: its raylet's worker processes SIGKILLed with it (removing the node kills the raylet,
        and its workers notice only later: meanwhile they finish their pieces and hand the results back)."""
        workers = children(victim.all_processes["raylet"][0].process.pid)
        cluster.remove_node(victim, allow_graceful=False)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return victim.node_id

    local = None
    if args.adaptive:
        local, local_wall, local_work, _ = local_run(args.answers, tmp / "local", args.chunk)
        print(f"uninterrupted local run first (local executor, its own folder): {len(local['answers']):,} answers, "
              f"{len(local['judgments']):,} judgments in {local_wall:.0f} s\n")
    stored_n = len(local["answers"]) if local else n_planned
    kill_at = int(stored_n * args.kill_at) if args.kill_at > 0 else n_planned + 1
    ex = TimedRayExecutor()
    ex.delay = args.work_delay
    if args.work_delay:
        print(f"each sample or judge piece sleeps {args.work_delay:g} s on its worker before its work\n")
    job = KillingJob(loaded, ex, progress=False, log=lambda m: None, simulate=True, runs=runs, kill_at=kill_at, kill=kill)
    t0 = time.perf_counter()
    try:
        res = job.run()
    finally:
        ray.shutdown()
        cluster.shutdown()
    wall = time.perf_counter() - t0
    cpu = time.process_time()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store = Store(loaded.store_path, read_only=True)
    n_ans, n_judg = store.count("samples"), store.count("judgments")
    print(f"job: {wall:.0f} s wall, {ex.wait_s:.0f} s waiting on workers, driver {wall - ex.wait_s:.0f} s "
          f"(driver process CPU {cpu:.0f} s); {n_ans:,} answers and {n_judg:,} judgments stored; failed tasks at the "
          f"end: {len(res.failed)}; driver peak memory (max RSS) {peak_mb:,.0f} MB\n")
    if job.killed:
        k = job.killed
        print(f"kill: at {k['at_s']:.0f} s, {k['answers']:,} answers stored, {k['in_flight']}; "
              f"the node was gone {k['kill_s']:.1f} s later\n")
    else:
        print("kill: none\n")
    tries = store.query("SELECT kind, count(*) AS tasks, sum(attempts) AS attempts, "
                        "count(*) FILTER (WHERE attempts > 1) AS retried FROM tasks GROUP BY kind ORDER BY kind")
    errs = ", ".join(f"{n} {name}" for name, n in job.errors.most_common()) or "none"
    print(f"tries that came back as errors (the driver retried each): {sum(job.errors.values())} ({errs})\n")
    print("| stage | tasks | tries | tasks retried |\n|---|---:|---:|---:|")
    for r in tries.itertuples():
        print(f"| {r.kind} | {r.tasks:,} | {int(r.attempts):,} | {r.retried:,} |")
    per_node = Counter(names.get(p["node"], "none (the try failed)") for p in res.placements)
    print("\n| pieces by node | pieces |\n|---|---:|")
    for name, n in sorted(per_node.items()):
        print(f"| {name} | {n:,} |")

    print("\n| stored answers | driver s | waiting s | driver CPU s | answers | judgments | driver ms per answer | "
          "answers+judgments per driver-s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for n in (10_000, 100_000, 1_000_000):
        w = window([p[:4] for p in job.timeline], n)
        if w is None:
            continue
        pts = [p for p in job.timeline if n // 2 <= p[2] <= n]
        w["cpu_s"] = pts[-1][4] - pts[0][4]
        rows.append(w)
        print(f"| {n // 2:,}-{n:,} | {w['driver_s']:.1f} | {w['work_s']:.1f} | {w['cpu_s']:.1f} | {w['answers']:,} | "
              f"{w['judgments']:,} | {w['ms_per_answer']:.2f} | {w['per_driver_s']:,.0f} |")
    if len(rows) >= 2:
        print(f"\nRatio: driver time per answer at {rows[-1]['n']:,} / at {rows[0]['n']:,} = "
              f"{rows[-1]['ms_per_answer'] / rows[0]['ms_per_answer']:.2f}x")
    print(f"\nWhole run: {(n_ans + n_judg) / max(wall - ex.wait_s, 1e-9):,.0f} answers+judgments committed per "
          f"driver-second; {(n_ans + n_judg) / wall:,.0f} per wall-second.\n")

    if local is not None:
        store.close()
        ok = adaptive_report(local, stored(loaded.store_path), planned, local_wall, local_work, wall, ex.wait_s)
        ok = ok and not res.failed
        if not ok:
            raise SystemExit(1)
        return
    checks = check_store(store, planned, planned["answers_per_checkpoint"], job.judge_name())
    store.close()
    print("| final store against the plan | stored | expected | equal |\n|---|---:|---:|---|")
    for what, got, want in checks:
        print(f"| {what} | {got:,} | {want:,} | {'yes' if got == want else '**NO**'} |")
    ok = all(got == want for _, got, want in checks) and not res.failed
    print(f"\nThe store equals the plan: {'yes' if ok else '**NO**'}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
