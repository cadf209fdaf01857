"""Sampling through Tinker: the Backend the sampling stage uses for checkpoints trained on Tinker.

A request's `adapter` is a checkpoint's tinker:// sampler path (as the store records it); without one the
base model is sampled. Prompts are rendered here with the model's own chat template (emwatch's one
renderer, backends._chat.render_prompt) and sent as tokens, so the rendered prompt is known and stored.
Judging (`score_numbers`) expands the reply digit by digit from Tinker's top-k logprobs of the next token,
the same exact-distribution method as the OpenAI-compatible backend uses for tokenizers that split numbers.
"""

from __future__ import annotations

import asyncio
import threading

from dataclasses import dataclass, field

from emwatch.backends._chat import load_tokenizer, render_prompt
from emwatch.backends._reasoning import decode_reply
from emwatch.backends._protocol import (AsyncBackendBase, Generation, GenerationRequest, NumberDistribution,
                                        ScoreRequest)
from emwatch.config import BackendSpec, api_key

TOP_K = 20


class TinkerSamplingBackend(AsyncBackendBase):
    """Backend(kind="tinker"): `spec.model` is Tinker's base model name, `spec.tokenizer` a local tokenizer
    folder (default: the tokenizer Tinker's SDK names for the base model), `spec.base_url` the service URL and
    `spec.api_key_env` the key's variable (TINKER_API_KEY when left at BackendSpec's OpenAI default)."""

    name = "tinker"
    coalesce_s = 0.02

    def __init__(self, spec: BackendSpec, *, tokenizer=None, service=None):
        self.spec = spec
        self._tokenizer = tokenizer or (load_tokenizer(spec.tokenizer, field="backend.tokenizer") if spec.tokenizer
                                        else None)
        self._owns_service = service is None
        if service is None:
            import tinker

            env = "TINKER_API_KEY" if spec.api_key_env == "OPENAI_API_KEY" else spec.api_key_env
            service = tinker.ServiceClient(base_url=spec.base_url, api_key=api_key(env, who="the tinker backend"))
        self.service = service
        self._clients: dict[str, object] = {}
        self._lock = threading.Lock()
        self._groups: dict[tuple, _Group] = {}

    @property
    def tokenizer(self):
        """`spec.tokenizer`, else the one Tinker's SDK names for the base model (for Llama 3 a non-gated copy of
        its tokenizer, so no licence token is needed)."""
        if self._tokenizer is None:
            self._tokenizer = self._client(None).get_tokenizer()
        return self._tokenizer

    # -- clients -----------------------------------------------------------------------------------
    def _client(self, adapter: str | None):
        key = adapter or ""
        with self._lock:
            if key not in self._clients:
                if adapter and not adapter.startswith("tinker://"):
                    raise ValueError(f"the tinker backend samples tinker:// checkpoints, not {adapter!r}")
                fut = (self.service.create_sampling_client(model_path=adapter) if adapter
                       else self.service.create_sampling_client(base_model=self.spec.model))
                self._clients[key] = fut.result()
            return self._clients[key]

    def _tokens(self, messages, **template) -> tuple[str, list[int]]:
        prompt = render_prompt(self.tokenizer, messages, **template)
        return prompt, list(self.tokenizer(prompt, add_special_tokens=False)["input_ids"])

    async def _sample(self, client, ids: list[int], params, num_samples: int = 1, **kw):
        from tinker import types

        fut = client.sample(prompt=types.ModelInput.from_ints(ids), num_samples=num_samples, sampling_params=params,
                            **kw)
        return await asyncio.wrap_future(fut.future())

    # -- generation --------------------------------------------------------------------------------
    async def agenerate_one(self, request: GenerationRequest) -> Generation:
        """Requests for the same prompt, checkpoint and settings that arrive within COALESCE_S of each other
        (the samples of one question, which the Runner sends together) go out as one request asking for
        `num_samples` sequences; the group is seeded with its lowest seed and sample k gets the k-th sequence
        in seed order."""
        client = await asyncio.to_thread(self._client, request.adapter)
        prompt, ids = self._tokens(request.messages, **request.template())
        key = (request.adapter, tuple(ids), request.max_new_tokens, request.temperature, request.top_p)
        loop = asyncio.get_running_loop()
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(loop.create_future())
            group.seeds.append(request.seed)
            await asyncio.sleep(self.coalesce_s)
            del self._groups[key]
            try:
                group.done.set_result(await self._sample_group(client, ids, request, sorted(group.seeds, key=_seed_order)))
            except BaseException as e:  # noqa: BLE001 - every member gets the failure
                group.done.set_exception(e)
        else:
            group.seeds.append(request.seed)
        ordered, seqs = await group.done
        seq = seqs[ordered.index(request.seed)]
        ordered[ordered.index(request.seed)] = object()  # two requests with one seed take different sequences
        return self._decode(seq, prompt, len(ids))

    async def _sample_group(self, client, ids: list[int], request: GenerationRequest, seeds: list):
        from tinker import types

        seed = next((s for s in seeds if s is not None), None)
        params = types.SamplingParams(max_tokens=request.max_new_tokens, temperature=request.temperature,
                                      top_p=request.top_p, seed=seed)
        seqs = (await self._sample(client, ids, params, num_samples=len(seeds))).sequences
        return list(seeds), list(seqs)

    def _decode(self, seq, prompt: str, prompt_tokens: int) -> Generation:
        """The decode step: reasoning apart from the final answer (backends._reasoning)."""
        reply = decode_reply(self.tokenizer, list(seq.tokens), prompt=prompt, finished=seq.stop_reason == "stop")
        return Generation(text=reply.answer or "", reasoning=reply.reasoning, missing=reply.missing, prompt=prompt,
                          prompt_tokens=prompt_tokens, completion_tokens=len(seq.tokens),
                          finish_reason=seq.stop_reason)

    # -- judging -----------------------------------------------------------------------------------
    async def _top(self, client, ids: list[int]) -> dict[str, float]:
        """The top-k next tokens after `ids` (decoded text -> logprob)."""
        from tinker import types

        params = types.SamplingParams(max_tokens=1, temperature=1.0)
        seq = (await self._sample(client, ids, params, topk_sample_logprobs=TOP_K)).sequences[0]
        rows = seq.topk_logprobs or []
        top: dict[str, float] = {}
        for token_id, logprob in (rows[0] or []) if rows else []:
            text = self.tokenizer.decode([token_id])
            top[text] = max(top.get(text, float("-inf")), float(logprob))
        return top

    async def ascore_one(self, request: ScoreRequest) -> NumberDistribution:
        from emwatch.backends._numbers import expand_numbers

        client = await asyncio.to_thread(self._client, request.adapter)
        _, ids = self._tokens(request.messages)
        first = await self._top(client, ids)

        async def dist(prefixes: list[str]) -> list[dict[str, float]]:
            return list(await asyncio.gather(*(
                self._top(client, ids + list(self.tokenizer(p, add_special_tokens=False)["input_ids"]))
                for p in prefixes)))

        probs = await expand_numbers(first, dist)
        return NumberDistribution(probs=probs, top={t: round(v, 6) for t, v in first.items()})

    def close(self) -> None:
        self._clients.clear()
        if self._owns_service:
            self.service.close("success").result()



@dataclass
class _Group:
    """Requests waiting to go out as one num_samples request."""

    done: asyncio.Future
    seeds: list = field(default_factory=list)


def _seed_order(seed) -> tuple:
    return (seed is None, seed if seed is not None else 0)
