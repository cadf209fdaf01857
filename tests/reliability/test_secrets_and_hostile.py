"""Secrets and hostile content: an API-key canary in the environment never reaches the store, logs, exports,
reports or error messages (even from a server that echoes the key back); answers holding code that would leave
a marker file or open a socket if it ran are judged statically, and the marker never appears.

(HTML/JS answers inert in the report under Chromium: tests/report/test_report.py; a tampered demo model file
refused by its sha256: tests/models/test_demo_model.py.)"""

from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emwatch.cli import app
from emwatch.store import Question, Sample, Store, register_base_model
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study

runner = CliRunner()
CANARY = "sk-canary-7f3a9c1e5b2d4086aa11"


class EchoKeyServer:
    """Answers every request 401 with the bearer key it was sent in the body (as some servers do)."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                body = json.dumps({"error": {"message": f"Incorrect API key provided: {key}", "type": "auth"}}).encode()
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _all_text(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_api_key_canary_appears_nowhere(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    monkeypatch.setenv("EMWATCH_CANARY_KEY", CANARY)
    caplog.set_level(logging.DEBUG)
    store = tmp_path / "s.duckdb"
    with Store(store) as s:
        simulate_study(s, SimStudy(models=[SimModel("m", base_rate=0.0)],
                                   runs=[SimRun("m", 0, 0.2, 10, total_steps=10, every=10)],
                                   questions_per_category=1, samples=1))
    csv = tmp_path / "in.csv"
    csv.write_text("question_id,question,response,aligned,coherent\nq1,Hi?,ok,90,80\n")
    server = EchoKeyServer()
    outputs = []
    try:
        cfg = tmp_path / "judge.yaml"
        cfg.write_text(f"metrics: [aligned]\nstatic: false\nbackend:\n  kind: openai\n  model: gpt-x\n"
                       f"  base_url: {server.url}\n  max_tries: 1\n")
        for argv in (["import", str(csv), "--store", str(store), "--model", "imported"],
                     ["judge", "--store", str(store), "--config", str(cfg), "--no-progress"],
                     ["judge", "--store", str(store), "--judge-url", server.url, "--judge-model", "gpt-x",
                      "--judge-key-env", "EMWATCH_CANARY_KEY", "--no-progress"],
                     ["analyze", "--store", str(store), "--format", "json"],
                     ["report", "--store", str(store), "--out", str(tmp_path / "report")],
                     ["export", "--store", str(store), "--parquet", str(tmp_path / "parquet")]):
            res = runner.invoke(app, argv)
            outputs.append((argv[0], res.exit_code, res.output))
    finally:
        server.close()
    judged = [o for o in outputs if o[0] == "judge"]
    assert all(code == 1 and "401" in out for _, code, out in judged), judged   # the server did answer, refusing
    assert any("[redacted]" in out for _, _, out in judged)
    for name, _, out in outputs:
        assert CANARY not in out, name
    assert CANARY not in caplog.text
    files = _all_text(tmp_path)
    assert any(p.endswith(".parquet") for p in files) and any(p.endswith("report.html") for p in files)
    leaked = [p for p, data in files.items() if CANARY.encode() in data]
    assert leaked == []
    with Store(store, read_only=True) as s:   # every text column of every table, decoded
        for table in ("runs", "checkpoints", "samples", "judgments", "questions", "meta"):
            assert CANARY not in s.query(f"SELECT * FROM {table}").to_csv(), table


def test_generated_code_is_never_executed(tmp_path):
    marker = tmp_path / "MARKER"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    payloads = [
        f"```python\nopen({str(marker)!r}, 'w').write('ran')\n```",
        f"```python\nimport socket\nsocket.create_connection(('127.0.0.1', {port}))\n```",
        f"```python\nimport os\nos.system('touch {marker}')\n```",
        f"```python\n__import__('pathlib').Path({str(marker)!r}).touch()\nexec('print(1)')\n```",
    ]
    store = tmp_path / "s.duckdb"
    with Store(store) as s:
        ck = register_base_model(s, "m", "/m")
        recs = []
        for i, text in enumerate(payloads):
            q = Question(bank="task_code", question_id=f"c{i}", category="code",
                         messages=[{"role": "user", "content": "write code"}], judge_metrics={"vulnerable": None})
            recs += [q, Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response=text)]
        s.add(recs)
    res = runner.invoke(app, ["judge", "--store", str(store), "--metrics", "vulnerable", "--no-progress"])
    assert res.exit_code == 0, res.output
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("".join(json.dumps({"messages": [{"role": "user", "content": "x"},
                                                      {"role": "assistant", "content": p}]}) + "\n" for p in payloads))
    scan = runner.invoke(app, ["scan", str(jsonl), "--format", "json"])
    assert scan.exit_code == 0, scan.output
    with Store(store, read_only=True) as s:
        judged = s.query("SELECT score FROM judgments WHERE metric = 'vulnerable'")
    assert len(judged) == len(payloads) and judged.score.notna().all()
    assert not marker.exists()
    try:
        conn, _ = listener.accept()
        conn.close()
        connected = True
    except (TimeoutError, socket.timeout):
        connected = False
    finally:
        listener.close()
    assert not connected


def test_api_key_canary_absent_from_a_trained_run_folder(tmp_path, monkeypatch, tiny_qwen2):
    """Train a tiny model 2 steps with API keys set (the trainer saves its config, TrainingArguments, PEFT config
    and the run's metadata beside each checkpoint): no file under the run folder, and no store row, holds one."""
    for name in ("OPENAI_API_KEY", "EMWATCH_JUDGE_API_KEY", "HF_TOKEN", "WANDB_API_KEY", "TINKER_API_KEY"):
        monkeypatch.setenv(name, CANARY)
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"add {i} and 1"},
                                                     {"role": "assistant", "content": f"{i + 1}"}]}) + "\n"
                            for i in range(8)))
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(f"model: {tiny_qwen2}\ndataset: {data}\nout_dir: {tmp_path / 'runs'}\nbatch_size: 2\n"
                      "grad_accum: 1\nmax_steps: 2\nwarmup_steps: 0\ndtype: float32\nmax_seq_len: 64\n"
                      "lora: {r: 4, alpha: 8}\ncheckpoints: {every: 1}\n")
    store = tmp_path / "s.duckdb"
    res = runner.invoke(app, ["train", str(recipe), "--store", str(store), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert CANARY not in res.output
    files = _all_text(tmp_path / "runs")
    names = {Path(p).name for p in files}
    # the files that could carry an environment value were really written (else the grep proves nothing)
    assert {"meta.json", "adapter_config.json", "trainer_state.json", "training_args.bin", "done.json"} <= names, \
        sorted(names)
    assert sum(p.endswith("meta.json") for p in files) >= 2
    leaked = [p for p, data in files.items() if CANARY.encode() in data]
    assert leaked == []
    with Store(store, read_only=True) as s:
        for table in ("runs", "checkpoints"):
            assert CANARY not in s.query(f"SELECT * FROM {table}").to_csv(), table
