"""A local stand-in for the Tinker service: the HTTP endpoints the `tinker` SDK calls for LoRA training,
saving weights and sampling, on 127.0.0.1, with a fake model whose loss falls as optimiser steps apply.

It speaks the SDK's wire format (JSON, and protobuf for forward/backward and sampling results, built
with the SDK's own message classes) and records every request, so tests can check what emwatch sent:
the token data and loss weights, learning rates, save names, sampled prompts. `get_info` names a tokenizer
per base model (`tokenizer_ids`: the service names a non-gated copy for Llama 3), and `hold_results_s` keeps
a training step's result pending (HTTP 408, the SDK's "try again") until a newer request arrives, so a test
can tell a client that submits steps ahead from one that waits for each. It is not the service:
no model runs, no GPU, no authentication beyond accepting an API key.
"""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np


class TinkerStandIn:
    """Start with `with TinkerStandIn(reply_tokens=[...]) as server: ... server.base_url ...`."""

    def __init__(self, *, reply_tokens: list[int] | None = None, stop_token: int | None = None, topk_fn=None,
                 tokenizer_ids: dict[str, str] | None = None, hold_results_s: float = 0.0):
        self.reply_tokens = list(reply_tokens or [5, 6, 7])
        # base model -> the tokenizer id get_info names (the service names a non-gated copy for Llama 3)
        self.tokenizer_ids = dict(tokenizer_ids or {})
        # > 0: a training step's forward/backward result is held back (HTTP 408, "try again") until the client
        # submits its next request or this many seconds pass; `released_by_timeout` counts the latter
        self.hold_results_s = hold_results_s
        self.released_by_timeout = 0
        self._submitted: dict[str, float] = {}  # fwdbwd request id -> time submitted
        self.stop_token = stop_token
        # prompt token ids -> [(token id, logprob), ...]: the next-token top-k the fake model reports
        self.topk_fn = topk_fn or (lambda prompt: [(self.reply_tokens[0], 0.0)])
        self.calls: list[tuple[str, Any]] = []  # (path, decoded body)
        self.unknown: list[str] = []
        self.models: dict[str, dict[str, Any]] = {}  # model_id -> state
        self.saved: dict[str, dict[str, Any]] = {}  # tinker path -> what was saved
        self.samplers: dict[str, dict[str, Any]] = {}  # sampling session id -> model path / base
        self.futures: dict[str, tuple[str, Any]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.fail_next: dict[str, int] = {}  # path -> how many 503s to answer first
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> TinkerStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls_to(self, path: str) -> list[Any]:
        return [body for p, body in self.calls if p == path]

    # -- fake model --------------------------------------------------------------------------------
    def _next(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def _loss_per_token(self, model: dict) -> float:
        return 3.0 / (1.0 + 200.0 * model["lr_applied"])

    def _future(self, kind: str, payload: Any) -> dict:
        rid = self._next("req")
        self.futures[rid] = (kind, payload)
        return {"request_id": rid}

    # -- endpoints ---------------------------------------------------------------------------------
    def handle(self, path: str, body: Any) -> tuple[int, Any]:  # noqa: C901 - a flat endpoint table
        if path == "/api/v1/client/config":
            return 200, {"pjwt_auth_enabled": False, "use_pyqwest_transport": False,
                         "parallel_fwdbwd_chunks": False}
        if path == "/api/v1/client/dynamic_config":
            return 200, {}
        if path == "/api/v1/telemetry":
            return 200, {"status": "accepted"}
        if path in ("/api/v1/session_heartbeat", "/api/v1/cancel_future"):
            return 200, {"type": "session_heartbeat"}
        if path == "/api/v1/create_session":
            return 200, {"type": "create_session", "session_id": self._next("session")}
        if path.startswith("/api/v1/sessions/") and path.endswith("/finish"):
            return 200, None
        if path == "/api/v1/get_server_capabilities":
            return 200, {"supported_models": [{"model_name": m} for m in ("Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B-Instruct")]}
        if path == "/api/v1/create_model":
            model_id = self._next("run")
            lora = body.get("lora_config") or {}
            self.models[model_id] = {"base_model": body["base_model"], "rank": lora.get("rank"), "lr_applied": 0.0,
                                     "steps": 0, "lora_config": lora}
            return 200, self._future("json", {"type": "create_model", "model_id": model_id})
        if path == "/api/v1/get_info":
            m = self.models[body["model_id"]]
            return 200, {"type": "get_info", "model_id": body["model_id"], "is_lora": True, "lora_rank": m["rank"],
                         "model_name": m["base_model"],
                         "model_data": {"arch": "standin", "model_name": m["base_model"],
                                        "tokenizer_id": self.tokenizer_ids.get(m["base_model"], m["base_model"])}}
        if path == "/api/v1/forward_backward":
            return 200, self._forward_backward(body)
        if path == "/api/v1/optim_step":
            m = self.models[body["model_id"]]
            m["lr_applied"] += float(body["adam_params"]["learning_rate"])
            m["steps"] += 1
            return 200, self._future("json", {"metrics": {"step": float(m["steps"])}})
        if path in ("/api/v1/save_weights_for_sampler", "/api/v1/save_weights"):
            m = self.models[body["model_id"]]
            kind = "sampler_weights" if path.endswith("sampler") else "weights"
            tinker_path = f"tinker://{body['model_id']}/{kind}/{body.get('path') or self._next('ckpt')}"
            self.saved[tinker_path] = {"model_id": body["model_id"], "steps": m["steps"], "lr_applied": m["lr_applied"],
                                       "base_model": m["base_model"], "rank": m["rank"]}
            result = {"path": tinker_path, "type": "save_weights_for_sampler" if kind == "sampler_weights" else "save_weights"}
            return 200, self._future("json", result)
        if path == "/api/v1/weights_info":
            saved = self.saved[body["tinker_path"]]
            return 200, {"base_model": saved["base_model"], "is_lora": True, "lora_rank": saved["rank"]}
        if path == "/api/v1/load_weights":  # a new training client from saved state (weights and optimiser)
            saved = self.saved[body["path"]]
            model_id = body.get("model_id") or f"{body['session_id']}:train:{body['model_seq_id']}"
            self.models[model_id] = {"base_model": saved["base_model"], "rank": saved["rank"], "steps": saved["steps"],
                                     "lr_applied": saved["lr_applied"], "loaded_from": body["path"]}
            return 200, self._future("json", {"type": "load_weights", "path": body["path"], "model_id": model_id})
        if path == "/api/v1/create_sampling_session":
            sid = self._next("sampler")
            model_path = body.get("model_path")
            base = self.saved[model_path]["base_model"] if model_path else body.get("base_model")
            self.samplers[sid] = {"model_path": model_path, "base_model": base}
            return 200, {"type": "create_sampling_session", "sampling_session_id": sid}
        if path == "/api/v1/join_sampling_session":
            return 200, {"type": "join_sampling_session", "client_counter": 1}
        if path.startswith("/api/v1/samplers/"):
            sid = path.rsplit("/", 1)[-1]
            s = self.samplers[sid]
            return 200, {"sampler_id": sid, "base_model": s["base_model"], "model_path": s["model_path"]}
        if path == "/api/v1/asample":
            fut = self._future("sample", body)
            fut["sample_sequence_ids"] = [self._next("seq") for _ in range(int(body.get("num_samples") or 1))]
            return 200, fut
        if path == "/api/v1/retrieve_future":
            if self._held(body["request_id"]):
                return 408, {"type": "try_again", "request_id": body["request_id"], "queue_state": "active"}
            return 200, self._retrieve(body["request_id"])
        self.unknown.append(path)
        return 404, {"detail": f"stand-in: no endpoint {path}"}

    def _held(self, rid: str) -> bool:
        """A training step's result stays pending while nothing newer was submitted (see hold_results_s)."""
        since = self._submitted.get(rid)
        if since is None:
            return False
        import time

        def num(r: str) -> int:
            return int(r.rsplit("-", 1)[1])

        # a newer forward/backward (the next step, or a held-out forward at a save) or a save
        newer = any(num(r) > num(rid) and (kind == "fwdbwd" or (kind == "json" and "path" in (payload or {})))
                    for r, (kind, payload) in self.futures.items())

        if newer or time.monotonic() - since > self.hold_results_s:
            if not newer:
                self.released_by_timeout += 1
            del self._submitted[rid]
            return False
        time.sleep(0.01)  # the SDK retries a 408 at once
        return True

    def _forward_backward(self, msg) -> dict:
        m = self.models[msg.model_id]
        weight_sum, logprobs = 0.0, []
        for datum in msg.data:
            w = np.frombuffer(datum.loss_fn_inputs["weights"].dense, dtype=np.float32)
            weight_sum += float(w.sum())
            logprobs.append(np.full(len(w), -self._loss_per_token(m), dtype=np.float32))
        fut = self._future("fwdbwd", {"loss": self._loss_per_token(m) * weight_sum, "logprobs": logprobs,
                                      "weights": [np.frombuffer(d.loss_fn_inputs["weights"].dense, dtype=np.float32)
                                                  for d in msg.data]})
        if self.hold_results_s and not msg.forward_only:
            import time

            self._submitted[fut["request_id"]] = time.monotonic()
        return fut

    def _retrieve(self, rid: str):
        kind, payload = self.futures[rid]
        if kind == "json":
            return payload
        from tinker.proto import tinker_public_pb2 as pb

        if kind == "fwdbwd":
            out = pb.ForwardBackwardOutput(loss_fn_output_type="ArrayRecord")
            out.metrics["loss:sum"] = payload["loss"]
            rec = out.loss_fn_outputs.add(num_datums=len(payload["logprobs"]))
            data = np.concatenate(payload["logprobs"]) if payload["logprobs"] else np.zeros(0, np.float32)
            offsets = np.cumsum([0] + [a.nbytes for a in payload["logprobs"]]).astype(np.int64)
            rec.fields["logprobs"].CopyFrom(pb.BatchedTensor(data=data.tobytes(), offsets=offsets.tobytes(),
                                                             dtype=pb.DTYPE_FLOAT32))
            return ("proto", out.SerializeToString())
        # sampling
        body = payload
        params = body.get("sampling_params") or {}
        max_tokens = int(params.get("max_tokens") or 16)
        tokens = self.reply_tokens[:max_tokens]
        stop = (pb.STOP_REASON_STOP if len(self.reply_tokens) <= max_tokens else pb.STOP_REASON_LENGTH)
        if stop == pb.STOP_REASON_STOP and self.stop_token is not None:
            tokens = tokens + [self.stop_token]
        prompt = [t for chunk in body["prompt"]["chunks"] for t in chunk.get("tokens", [])]
        k = int(body.get("topk_sample_logprobs") or 0)
        resp = pb.SampleResponse()
        for _ in range(int(body.get("num_samples") or 1)):
            seq = resp.sequences.add(stop_reason=stop, tokens=np.asarray(tokens, np.int32).tobytes(),
                                     logprobs=np.full(len(tokens), -0.5, np.float32).tobytes())
            if k:  # top-k at each sampled position, from the fake model's next-token distribution
                rows = [self.topk_fn(prompt + tokens[:i])[:k] for i in range(len(tokens))]
                width = max(len(r) for r in rows)
                rows = [r + [r[-1]] * (width - len(r)) for r in rows]  # rectangular
                seq.topk_sampled_logprobs.CopyFrom(pb.TopkLogprobs(
                    length=len(rows), k=width,
                    token_ids=np.asarray([[t for t, _ in r] for r in rows], np.int32).tobytes(),
                    logprobs=np.asarray([[lp for _, lp in r] for r in rows], np.float32).tobytes()))
        return ("proto", resp.SerializeToString())

    # -- HTTP --------------------------------------------------------------------------------------
    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _body(self):
                n = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(n) if n else b""
                if "protobuf" in (self.headers.get("content-type") or ""):
                    from tinker.proto import tinker_public_pb2 as pb

                    msg = pb.ForwardBackwardRequest()
                    msg.ParseFromString(raw)
                    return msg
                return json.loads(raw) if raw else {}

            def _reply(self, status: int, payload: Any):
                if isinstance(payload, tuple) and payload[0] == "proto":
                    data, ctype = payload[1], "application/x-protobuf"
                else:
                    data, ctype = json.dumps(payload).encode(), "application/json"
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self):
                path = self.path.split("?")[0]
                body = self._body()
                with standin._lock:
                    standin.calls.append((path, body))
                    if standin.fail_next.get(path, 0) > 0:
                        standin.fail_next[path] -= 1
                        self._reply(503, {"detail": "stand-in: try again"})
                        return
                    try:
                        status, payload = standin.handle(path, body)
                    except Exception as e:  # a stand-in bug or an unexpected request: make it visible
                        standin.unknown.append(f"{path}: {type(e).__name__}: {e}")
                        status, payload = 400, {"detail": f"stand-in: {type(e).__name__}: {e}"}
                self._reply(status, payload)

            do_POST = _serve
            do_GET = _serve

        return Handler
