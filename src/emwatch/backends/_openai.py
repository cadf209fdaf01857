"""The `openai` backend: any OpenAI-compatible HTTP server (OpenAI, vLLM, llama.cpp, ...) via the openai SDK.

It makes one try per call (`max_retries=0`): retries, concurrency limits and progress live in `Runner`.
Errors are sorted for it: 429 (except an exhausted quota), 408/409/425, 5xx, timeouts, connection errors
and malformed replies (not JSON, no choices, no logprobs: what a proxy or an overloaded server sends now and
then) raise `RetryableError`; every other failure raises `BackendError` with the server's message.
The API key is read from the environment variable the spec names and never appears in a message or repr.

Judging (SPEC "Judge score") asks for one token with the top-20 logprobs. A tokenizer with whole-number
tokens (OpenAI models) answers in that one token; a tokenizer that writes numbers digit by digit (Qwen,
Llama, ...) is expanded digit by digit (see `_numbers.py`), through the completions endpoint on the prompt
rendered with `spec.tokenizer`, or through vLLM's chat `continue_final_message`.
"""

from __future__ import annotations

import asyncio
import math
from datetime import date
import re
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, Literal, TypeVar

from emwatch.backends._chat import render_prompt
from emwatch.backends._reasoning import CUT_OFF, NO_FINAL, Reply, split_reasoning
from emwatch.backends._numbers import DistFn, expand_numbers, has_multi_digit_numbers, numbers_from_top
from emwatch.backends._protocol import (
    AsyncBackendBase,
    BackendError,
    Generation,
    GenerationRequest,
    NumberDistribution,
    RetryableError,
    ScoreRequest,
)
from emwatch.config import BackendSpec
from emwatch.config._secrets import api_key, is_loopback

T = TypeVar("T")
ServerKind = Literal["auto", "vllm", "openai", "other"]
PREFILL_EXTRA = {"continue_final_message": True, "add_generation_prompt": False}
RETRY_STATUS = {408, 409, 425, 429}
_KEYLIKE = re.compile(r"(?i)(api key provided:\s*)\S+|\bsk-[A-Za-z0-9_*\-.]{3,}")


def redact(text: str, secret: str | None) -> str:
    """`text` without the key: the key itself, and key-like fragments servers echo (OpenAI shows sk-ab***yz)."""
    if secret and secret != "EMPTY":
        text = text.replace(secret, "[redacted]")
    return _KEYLIKE.sub(lambda m: (m.group(1) or "") + "[redacted]", text)


def _server_message(err: Any) -> str:
    body = getattr(err, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        msg = inner.get("message") if isinstance(inner, dict) else inner
        if msg:
            return str(msg)
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return str(getattr(err, "message", None) or err)


def _retry_after(err: Any) -> float | None:
    headers = getattr(getattr(err, "response", None), "headers", None) or {}
    try:
        return float(headers.get("retry-after"))
    except (TypeError, ValueError):
        return None


def translate_error(err: BaseException, *, where: str, secret: str | None) -> BaseException:
    """An SDK exception as RetryableError (worth another try) or BackendError (not), key redacted."""
    import openai

    if isinstance(err, (BackendError, RetryableError)):
        return err
    if isinstance(err, openai.APITimeoutError):
        return RetryableError(redact(f"{where}: request timed out", secret))
    if isinstance(err, openai.APIConnectionError):
        return RetryableError(redact(f"{where}: connection failed: {err}", secret))
    if isinstance(err, openai.APIStatusError):
        status, message = err.status_code, redact(_server_message(err), secret)
        code = str(getattr(err, "code", None) or "") + " " + str(getattr(err, "type", None) or "")
        if status == 429 and "insufficient_quota" in code:
            return BackendError(f"{where}: quota exhausted (429): {message}")
        if status in RETRY_STATUS or status >= 500:
            out = RetryableError(f"{where}: {status}: {message}")
            out.retry_after = _retry_after(err)  # type: ignore[attr-defined]
            return out
        return BackendError(f"{where}: {status}: {message}")
    if isinstance(err, openai.OpenAIError):
        return BackendError(redact(f"{where}: {err}", secret))
    if isinstance(err, ValueError):  # json.JSONDecodeError from the SDK reading a broken body
        return RetryableError(redact(f"{where}: the reply was not valid JSON: {err}", secret))
    return err


def resolve_api_key(spec: BackendSpec) -> str:
    """The key from $spec.api_key_env; "EMPTY" for a loopback server when unset; else a BackendError."""
    return api_key(spec.api_key_env, who=f"{spec.model} at {spec.base_url or 'api.openai.com'}",
                   base_url=spec.base_url, error=BackendError)


class _LoopThread:
    """An event loop on a daemon thread; the backend's HTTP client lives there, whatever loop calls it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="emwatch-openai", daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


class OpenAIBackend(AsyncBackendBase):
    """Generation and number judging against one OpenAI-compatible server.

    `server`: "auto" detects vLLM from /v1/models (owned_by "vllm"); "vllm", "openai" or "other" skip the check.
    `expand_min_prob`: a digit prefix less likely than this is not expanded (its mass is left out, never guessed).
    """

    name = "openai"

    def __init__(self, spec: BackendSpec, *, server: ServerKind = "auto", expand_min_prob: float = 1e-4,
                 parse_max_tokens: int = 6) -> None:
        if spec.kind != "openai":
            raise BackendError(f"OpenAIBackend needs a spec with kind 'openai', got {spec.kind!r}")
        self.spec = spec
        self._key = resolve_api_key(spec)
        self.expand_min_prob = expand_min_prob
        self.parse_max_tokens = parse_max_tokens
        self._server: str | None = None if server == "auto" else server
        if self._server is None and spec.base_url is None:
            self._server = "openai"
        self._tokenizer: Any = None
        self._lt: _LoopThread | None = None
        self._client: Any = None
        self._sem: asyncio.Semaphore | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.spec.model!r}, base_url={self.spec.base_url!r})"

    # ---- plumbing: one loop thread, one client, one bound on requests in flight ----

    def _loop_thread(self) -> _LoopThread:
        with self._lock:
            if self._lt is None:
                self._lt = _LoopThread()
            return self._lt

    async def _hop(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the backend's loop and await it from whichever loop the caller runs."""
        return await asyncio.wrap_future(self._loop_thread().submit(coro))

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop_thread().submit(coro).result()

    def _ensure_client(self) -> Any:
        if self._client is None:
            try:
                from openai import AsyncOpenAI
            except ImportError as err:  # pragma: no cover - openai is a core dependency
                raise BackendError("the openai backend needs the openai SDK: pip install openai") from err
            self._client = AsyncOpenAI(api_key=self._key, base_url=self.spec.base_url, max_retries=0,
                                       timeout=self.spec.timeout_s)
            self._sem = asyncio.Semaphore(self.spec.max_concurrency)
        return self._client

    async def _call(self, create: str, **kwargs: Any) -> Any:
        """One HTTP request (`create` is "chat", "completions" or "models"), errors sorted for the Runner."""
        client = self._ensure_client()
        fn = {"chat": lambda: client.chat.completions.create(**kwargs),
              "completions": lambda: client.completions.create(**kwargs),
              "models": lambda: client.models.list()}[create]
        assert self._sem is not None
        async with self._sem:
            try:
                out = await fn()
            except Exception as err:  # noqa: BLE001 - every SDK error is translated below
                raise translate_error(err, where=self._where(), secret=self._key) from None
        if isinstance(out, str):  # the SDK hands back the text of a reply that is not JSON
            raise RetryableError(redact(f"{self._where()}: the reply was not JSON: {out[:80]!r}", self._key))
        return out

    def _where(self) -> str:
        return f"{self.spec.model} at {self.spec.base_url or 'api.openai.com'}"

    async def _server_kind(self) -> str:
        if self._server is None:
            models = await self._call("models")
            owners = {getattr(m, "owned_by", None) for m in models.data}
            self._server = "vllm" if "vllm" in owners else "other"
        return self._server

    async def _load_tokenizer(self) -> Any:
        if self.spec.tokenizer is None:
            return None
        if self._tokenizer is None:
            try:
                from transformers import AutoTokenizer
            except ImportError as err:
                raise BackendError("rendering prompts with backend.tokenizer needs transformers: "
                                   "pip install 'emwatch[hf]'") from err
            try:
                self._tokenizer = await asyncio.to_thread(AutoTokenizer.from_pretrained, self.spec.tokenizer)
            except Exception as err:  # noqa: BLE001
                raise BackendError(f"cannot load backend.tokenizer {self.spec.tokenizer!r}: {err}") from err
            if not getattr(self._tokenizer, "chat_template", None):
                raise BackendError(f"backend.tokenizer {self.spec.tokenizer!r} has no chat template")
        return self._tokenizer

    async def _render(self, messages: Sequence[dict[str, str]], **template: Any) -> str | None:
        """The prompt as the model sees it (a trailing assistant message is continued), if a tokenizer is set."""
        tok = await self._load_tokenizer()
        return None if tok is None else render_prompt(tok, messages, **template)

    # ---- generation ----

    async def _generate(self, req: GenerationRequest) -> Generation:
        messages = [dict(m) for m in req.messages]
        if not messages:
            raise BackendError("a generation request needs at least one message")
        prefill = messages[-1].get("role") == "assistant"
        extra: dict[str, Any] = {}
        if prefill:
            if await self._server_kind() != "vllm":
                raise BackendError(f"{self._where()}: a prefilled assistant message needs a vLLM server "
                                   "(continue_final_message); this server is not vLLM")
            extra = dict(PREFILL_EXTRA)
        kwargs: dict[str, Any] = {"model": req.adapter or self.spec.model, "messages": messages, "n": 1,
                                  "max_tokens": req.max_new_tokens, "temperature": req.temperature,
                                  "top_p": req.top_p}
        if req.seed is not None:
            kwargs["seed"] = req.seed
        if req.reasoning_effort is not None:
            kwargs["reasoning_effort"] = req.reasoning_effort
        template = {k: v for k, v in (("enable_thinking", req.enable_thinking),) if v is not None}
        if req.template_date is not None:  # Llama 3.1's variable; a server's strftime_now cannot be pinned from here
            template["date_string"] = date.fromisoformat(req.template_date).strftime("%d %b %Y")
        if template:
            extra["chat_template_kwargs"] = template
        if extra:
            kwargs["extra_body"] = extra
        resp = await self._call("chat", **kwargs)
        if not getattr(resp, "choices", None):
            raise RetryableError(f"{self._where()}: the server returned no choices")
        choice = resp.choices[0]
        usage = getattr(resp, "usage", None)
        message = getattr(choice, "message", None)
        if message is None or not isinstance(getattr(message, "content", ""), (str, type(None))):
            raise RetryableError(f"{self._where()}: the server's reply has no message")
        return self._decode(choice, prompt=await self._render(messages, **req.template()),
                            prompt_tokens=getattr(usage, "prompt_tokens", None),
                            completion_tokens=getattr(usage, "completion_tokens", None))

    @staticmethod
    def _decode(choice: Any, **usage: Any) -> Generation:
        """The decode step: a server's reasoning parser gives the thoughts apart (`reasoning_content` in vLLM,
        `reasoning` in newer servers); otherwise the text is split here (`<think>`, Harmony channels)."""
        msg = choice.message
        content = msg.content or ""
        thoughts = getattr(msg, "reasoning_content", None) or getattr(msg, "reasoning", None)
        extra = getattr(msg, "model_extra", None) or {}
        thoughts = thoughts or extra.get("reasoning_content") or extra.get("reasoning")
        finished = choice.finish_reason != "length"
        if thoughts:
            missing = None if msg.content else (NO_FINAL if finished else CUT_OFF)
            reply = Reply(answer=None if missing else content.strip(), reasoning=str(thoughts).strip(), missing=missing)
        else:
            reply = split_reasoning(content, prompt=usage.get("prompt"), finished=finished)
        return Generation(text=reply.answer or "", reasoning=reply.reasoning, missing=reply.missing,
                          finish_reason=choice.finish_reason, **usage)

    # ---- judging ----

    async def _chat_top(self, model: str, messages: list[dict[str, str]], prefix: str | None) -> dict[str, float]:
        """Top-20 next tokens (token -> logprob) after the chat prompt, or after `prefix` of the reply."""
        kwargs: dict[str, Any] = {"model": model, "messages": messages, "max_tokens": 1, "temperature": 0,
                                  "logprobs": True, "top_logprobs": 20, "n": 1}
        if prefix is not None:
            kwargs["messages"] = [*messages, {"role": "assistant", "content": prefix}]
            kwargs["extra_body"] = dict(PREFILL_EXTRA)
        resp = await self._call("chat", **kwargs)
        try:
            entries = resp.choices[0].logprobs.content[0].top_logprobs
        except (AttributeError, IndexError, TypeError):
            raise RetryableError(f"{self._where()}: the server returned no top logprobs "
                               "(set `logprobs: false` to judge by generating and parsing)") from None
        return _merge((e.token, e.logprob) for e in entries)

    async def _completion_tops(self, model: str, prompts: list[str]) -> list[dict[str, float]]:
        """Top-20 next tokens after each raw prompt, in one request per 64 prompts."""
        extra = {"add_special_tokens": False} if await self._server_kind() == "vllm" else None
        out: list[dict[str, float]] = []
        for start in range(0, len(prompts), 64):
            chunk = prompts[start:start + 64]
            kwargs: dict[str, Any] = {"model": model, "prompt": chunk, "max_tokens": 1, "temperature": 0,
                                      "logprobs": 20}
            if extra:
                kwargs["extra_body"] = extra
            resp = await self._call("completions", **kwargs)
            by_index = sorted(getattr(resp, "choices", None) or [], key=lambda c: c.index)
            if len(by_index) != len(chunk):
                raise RetryableError(f"{self._where()}: {len(by_index)} completions for {len(chunk)} prompts")
            for choice in by_index:
                tops = getattr(choice.logprobs, "top_logprobs", None)
                if not tops:
                    raise RetryableError(f"{self._where()}: the completions endpoint returned no top logprobs")
                out.append(_merge(tops[0].items()))
        return out

    async def _score(self, req: ScoreRequest) -> NumberDistribution:
        if not self.spec.logprobs:
            gen = await self._generate(GenerationRequest(messages=req.messages, max_new_tokens=self.parse_max_tokens,
                                                         temperature=0.0, adapter=req.adapter))
            return NumberDistribution(text=gen.text)
        model = req.adapter or self.spec.model
        messages = [dict(m) for m in req.messages]
        dist: DistFn
        if self.spec.tokenizer is not None:
            rendered = await self._render(messages)
            assert rendered is not None

            async def dist(prefixes: list[str]) -> list[dict[str, float]]:
                return await self._completion_tops(model, [rendered + p for p in prefixes])
        elif await self._server_kind() == "vllm":
            async def dist(prefixes: list[str]) -> list[dict[str, float]]:
                return list(await asyncio.gather(*(self._chat_top(model, messages, p or None) for p in prefixes)))
        else:
            top = await self._chat_top(model, messages, None)
            if self._server != "openai" and not has_multi_digit_numbers(top) and numbers_from_top(top):
                raise BackendError(
                    f"{self._where()}: the judge's top tokens hold single digits only, so its tokenizer may split "
                    "numbers; set backend.tokenizer to a local tokenizer folder (its prompts then go through "
                    "the completions endpoint, digit by digit), or `logprobs: false`")
            return NumberDistribution(probs=numbers_from_top(top), top=top)
        (top,) = await dist([""])
        if has_multi_digit_numbers(top):
            return NumberDistribution(probs=numbers_from_top(top), top=top)
        probs = await expand_numbers(top, dist, min_prob=self.expand_min_prob)
        return NumberDistribution(probs=probs, top=top)

    # ---- the interface the Runner uses ----

    async def agenerate_one(self, request: GenerationRequest) -> Generation:
        return await self._hop(self._generate(request))

    async def ascore_one(self, request: ScoreRequest) -> NumberDistribution:
        return await self._hop(self._score(request))

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """One try per request, spec.max_concurrency in flight (use Runner for retries and progress)."""
        async def all_() -> list[Generation]:
            return list(await asyncio.gather(*(self._generate(r) for r in requests)))
        return self._run(all_())

    def score_numbers(self, requests: Sequence[ScoreRequest]) -> list[NumberDistribution]:
        async def all_() -> list[NumberDistribution]:
            return list(await asyncio.gather(*(self._score(r) for r in requests)))
        return self._run(all_())

    def close(self) -> None:
        lt, self._lt = self._lt, None
        if lt is None:
            return
        if self._client is not None:
            try:
                lt.submit(self._client.close()).result(timeout=10)
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
            self._client = None
        lt.stop()

    def __enter__(self) -> OpenAIBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _merge(pairs: Any) -> dict[str, float]:
    """token -> logprob; tokens that decode to the same text (vLLM shows partial bytes as '') are summed."""
    out: dict[str, float] = {}
    for token, logprob in pairs:
        lp = float(logprob)
        out[token] = lp if token not in out else max(out[token], lp) + math.log1p(math.exp(-abs(out[token] - lp)))
    return out


__all__ = ["OpenAIBackend", "is_loopback", "redact", "resolve_api_key"]
