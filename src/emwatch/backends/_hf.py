"""transformers in process: batched generation with LoRA checkpoints, and the exact number distribution.

One base model is loaded once; every LoRA checkpoint of it is attached as a named PEFT adapter and
selected per batch, so sampling many checkpoints costs one model load.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import math
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from emwatch.backends._chat import render_prompt
from emwatch.backends._head import contiguous_head
from emwatch.backends._reasoning import decode_reply
from emwatch.backends._protocol import BackendBase, Generation, GenerationRequest, NumberDistribution, ScoreRequest
from emwatch.config import BackendSpec, dtype_reason, resolve_device, resolve_dtype, torch_dtype

NUMBERS = [str(n) for n in range(101)]
# Trie branches whose probability falls below this are not expanded. Each pruned branch holds less than
# PRUNE of mass, so a score moves by well under 0.1 point (measured on the demo judge: at most 0.045). With
# next-token logits only, pruning saves little time (1.03x, benchmarks/bench_generation.py) but keeps the
# number of cached branches, and so memory, small.
PRUNE = 1e-4
# A judge batch whose prompts share at least this many leading tokens (the judge template's chat header and
# instructions) computes that prefix once, at batch size 1, and expands its KV cache to the batch.
MIN_SHARED_PREFIX = 16


class HFBackend(BackendBase):
    """Backend(kind="transformers", alias "hf"): a transformers causal LM (CPU or GPU) with optional PEFT
    LoRA adapters."""

    name = "transformers"

    def __init__(self, spec: BackendSpec, *, model=None, tokenizer=None, shares: HFBackend | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        # `shares`: another HFBackend whose weights (and loaded adapters) this one uses, e.g. a judge of the same
        # base model as the sampler: one copy in memory. The model is read through it at every call, so an
        # adapter the other loads (PEFT wraps the model then) is seen here too.
        self._owner = shares
        if shares is not None:
            model, tokenizer = shares.model, shares.tokenizer
        self.spec = spec
        self.torch = torch
        self.device = resolve_device(spec.device)
        self.dtype = resolve_dtype(spec.dtype, self.device)
        if spec.dtype == "auto" and model is None:
            print(dtype_reason(self.dtype, self.device), file=sys.stderr)
        dtype = torch_dtype(self.dtype)
        self.tokenizer = tokenizer or AutoTokenizer.from_pretrained(spec.model)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = model or AutoModelForCausalLM.from_pretrained(spec.model, dtype=dtype).to(self.device)
        if model is None:
            self.model.eval()
        self._adapters: dict[str, str] = shares._adapters if shares is not None else {}  # adapter path -> name
        self._digit_start = None
        self._prefix: tuple | None = None  # (adapter, prefix token ids, KV cache at batch size 1): the last one
        self.share_prefix = True  # judge batches reuse the KV of their shared prefix (benchmarks turn it off)

    @property
    def model(self):
        return self._owner.model if self._owner is not None else self._model

    @model.setter
    def model(self, value) -> None:
        if self._owner is not None:
            self._owner.model = value
        else:
            self._model = value

    def same_weights(self, spec: BackendSpec) -> bool:
        """Whether a backend for `spec` would load exactly these weights (same model, dtype and device)."""
        if spec.kind not in ("transformers", "hf") or Path(spec.model) != Path(self.spec.model):
            return False
        device = resolve_device(spec.device)
        return device == self.device and resolve_dtype(spec.dtype, device) == self.dtype

    # -- modes and adapters ------------------------------------------------------------------------
    @contextlib.contextmanager
    def _evaluating(self):
        """Eval mode for a call, the model's previous mode after: a model shared with a trainer (the online
        monitor's judge) goes back to training."""
        was = self.model.training
        self.model.eval()
        try:
            yield
        finally:
            self.model.train(was)

    @contextlib.contextmanager
    def _inference(self, adapter: str | None):
        """Eval mode, the adapter at path `adapter` active (none: the base model), and the output head's input
        made contiguous (`contiguous_head`: with an adapter loaded the head is frozen, and every forward pass here
        keeps only some positions' logits) for the duration of a call."""
        with self._evaluating(), self._use(adapter), contiguous_head(self.model):  # the model _use may have wrapped
            yield

    def _use(self, adapter: str | None):
        """Activate the LoRA adapter at path `adapter` (loading it once), or none for the base model."""
        from peft import PeftModel

        if adapter is None:
            if isinstance(self.model, PeftModel):
                return self.model.disable_adapter()
            return _nullcontext()
        path = str(Path(adapter))
        if path not in self._adapters:
            name = "a" + hashlib.sha256(path.encode()).hexdigest()[:12]
            if isinstance(self.model, PeftModel):
                self.model.load_adapter(path, adapter_name=name)
            else:
                self.model = PeftModel.from_pretrained(self.model, path, adapter_name=name)
            self.model.eval()
            self._adapters[path] = name
        self.model.set_adapter(self._adapters[path])
        return _nullcontext()

    # -- generation -------------------------------------------------------------------------------
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """Answer requests in batches of one adapter each, grouped by prompt length, padded per batch."""
        out: list[Generation | None] = [None] * len(requests)
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i, r in enumerate(requests):
            groups[(r.adapter, r.max_new_tokens, r.temperature, r.top_p)].append(i)
        for (adapter, max_new, temp, top_p), idx in groups.items():
            prompts = {i: render_prompt(self.tokenizer, requests[i].messages, **requests[i].template()) for i in idx}
            lengths = {i: len(self.tokenizer(prompts[i], add_special_tokens=False)["input_ids"]) for i in idx}
            idx.sort(key=lambda i: lengths[i])
            bs = self.spec.batch_size
            with self._inference(adapter):
                for start in range(0, len(idx), bs):
                    chunk = idx[start:start + bs]
                    seed = requests[chunk[0]].seed
                    gens = self._generate_batch([prompts[i] for i in chunk], max_new, temp, top_p, seed)
                    for i, g in zip(chunk, gens):
                        out[i] = g
        return out  # type: ignore[return-value]

    def _generate_batch(self, prompts: list[str], max_new: int, temperature: float, top_p: float,
                        seed: int | None) -> list[Generation]:
        torch = self.torch
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        if seed is not None:
            torch.manual_seed(seed)
        kwargs = dict(max_new_tokens=max_new, pad_token_id=self.tokenizer.pad_token_id)
        if temperature > 0:
            kwargs.update(do_sample=True, temperature=temperature, top_p=top_p, top_k=0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with torch.inference_mode():
            seqs = self.model.generate(**enc, **kwargs)
        new = seqs[:, enc["input_ids"].shape[1]:]
        eos = set(_as_list(self.model.generation_config.eos_token_id)) | {self.tokenizer.eos_token_id}
        pad = self.tokenizer.pad_token_id
        gens = []
        for row, prompt, mask in zip(new.tolist(), prompts, enc["attention_mask"].tolist()):
            stop_at = next((k for k, t in enumerate(row) if t in eos), None)
            toks = row[:stop_at] if stop_at is not None else [t for t in row if t != pad]
            gens.append(self._decode(toks, prompt, prompt_tokens=int(sum(mask)), stopped=stop_at is not None))
        return gens

    def _decode(self, toks: list[int], prompt: str, *, prompt_tokens: int, stopped: bool) -> Generation:
        """The decode step: reasoning apart from the final answer (backends._reasoning)."""
        reply = decode_reply(self.tokenizer, toks, prompt=prompt, finished=stopped)
        return Generation(text=reply.answer or "", reasoning=reply.reasoning, missing=reply.missing, prompt=prompt,
                          prompt_tokens=prompt_tokens, completion_tokens=len(toks) + stopped,
                          finish_reason="stop" if stopped else "length")

    # -- judging ------------------------------------------------------------------------------------
    def score_numbers(self, requests: Sequence[ScoreRequest]) -> list[NumberDistribution]:
        """The exact probability of each complete reply 0..100 under this model's own tokenizer.

        P("85") = P(tok "8") * P(tok "5" | "8") * P(no further digit | "85"), for whatever tokens the
        tokenizer writes each number with; evaluated over a trie of number prefixes with one cached
        forward pass per trie level.
        """
        out: list[NumberDistribution | None] = [None] * len(requests)
        groups: dict[str | None, list[int]] = defaultdict(list)
        for i, r in enumerate(requests):
            groups[r.adapter].append(i)
        for adapter, idx in groups.items():
            prompts = {i: render_prompt(self.tokenizer, requests[i].messages) for i in idx}
            ids = {i: self.tokenizer(prompts[i], add_special_tokens=False)["input_ids"] for i in idx}
            # prompts of one judge template next to each other (their first tokens), then by length: each
            # batch shares a long prefix and pads little
            idx.sort(key=lambda i: (ids[i][:64], len(ids[i])))
            # a sliding-window model scores each prompt alone: padding would count against its window
            bs = 1 if self._sliding() else self.spec.batch_size
            with self._inference(adapter):
                for start in range(0, len(idx), bs):
                    chunk = idx[start:start + bs]
                    for i, d in zip(chunk, self._score_batch([ids[i] for i in chunk], adapter)):
                        out[i] = d
        return out  # type: ignore[return-value]

    def _prefix_cache(self, prefix: list[int], adapter: str | None, batch: int):
        """The KV cache of `prefix` (computed once at batch size 1, kept for the next batch with the same
        prefix and adapter), copied and repeated to `batch` rows."""
        torch = self.torch
        key = (adapter, tuple(prefix))
        if self._prefix is None or self._prefix[:2] != key:
            ids = torch.tensor([prefix], device=self.device)
            with torch.inference_mode():
                res = self.model(input_ids=ids, use_cache=True, logits_to_keep=1)
            self._prefix = (*key, res.past_key_values)
        cache = copy.deepcopy(self._prefix[2])
        cache.batch_repeat_interleave(batch)
        return cache

    def _number_trie(self):
        if getattr(self, "_trie", None) is None:
            paths = {n: tuple(self.tokenizer(n, add_special_tokens=False)["input_ids"]) for n in NUMBERS}
            children: dict[tuple, set[int]] = defaultdict(set)
            for p in paths.values():
                for k in range(len(p)):
                    children[p[:k]].add(p[k])
            self._trie = (paths, {node: sorted(c) for node, c in children.items()})
        return self._trie

    def _digit_start_mask(self):
        if self._digit_start is None:
            vocab = len(self.tokenizer)
            texts = self.tokenizer.batch_decode([[i] for i in range(vocab)], skip_special_tokens=False)
            mask = self.torch.zeros(self.model.get_output_embeddings().weight.shape[0], dtype=self.torch.bool)
            for i, t in enumerate(texts):
                if t[:1].isdigit():
                    mask[i] = True
            self._digit_start = mask.to(self.device)
        return self._digit_start

    def _score_batch(self, prompts: list[list[int]], adapter: str | None = None) -> list[NumberDistribution]:
        """Number distributions for a batch of tokenised judge prompts."""
        torch = self.torch
        shared = _shared_prefix_len(prompts) if self.share_prefix and len(prompts) > 1 else 0
        if shared < MIN_SHARED_PREFIX:
            shared = 0
        # suffixes left-padded after the shared prefix: [prefix][pads][suffix]; pads are masked keys, and
        # positions run on from the prefix, so every row's last token is in the last column
        width = max(len(p) for p in prompts) - shared
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor([[pad] * (width - len(p) + shared) + p[shared:] for p in prompts], device=self.device)
        mask = torch.tensor([[0] * (width - len(p) + shared) + [1] * (len(p) - shared) for p in prompts],
                            device=self.device)
        pos0 = shared + (mask.cumsum(dim=1) - 1).clamp(min=0)
        cache = None
        if shared:
            cache = self._prefix_cache(prompts[0][:shared], adapter, len(prompts))
            mask = torch.cat([torch.ones(len(prompts), shared, dtype=mask.dtype, device=self.device), mask], dim=1)
        with torch.inference_mode():  # next-token logits only: no vocabulary-sized tensor per position
            res = self.model(input_ids=ids, attention_mask=mask, position_ids=pos0, past_key_values=cache,
                             use_cache=True, logits_to_keep=1)
        logp = torch.log_softmax(res.logits[:, -1].float(), dim=-1)
        tops: list[dict[str, float]] = []
        top = torch.topk(logp, 20, dim=-1)
        for b in range(len(prompts)):
            toks = self.tokenizer.convert_ids_to_tokens(top.indices[b].tolist())
            tops.append({t: round(float(v), 6) for t, v in zip(toks, top.values[b].tolist())})
        probs = self._expand_numbers(res.past_key_values, mask, mask.sum(dim=1) - 1, logp)
        return [NumberDistribution(probs=p, top=t) for p, t in zip(probs, tops)]

    def _sliding(self) -> bool:
        """Whether some attention layers see only a window of recent cache slots (Gemma 3, gpt-oss, Mistral):
        their caches differ in length by layer, and padding inside a row would count against the window."""
        cfg = self.model.config
        if any("sliding" in str(t) for t in (getattr(cfg, "layer_types", None) or ())):
            return True
        return bool(getattr(cfg, "sliding_window", None)) and getattr(cfg, "use_sliding_window", True) is not False

    def _expand_numbers(self, cache, mask, last_pos, root_logp) -> list[dict[str, float]]:
        """P(reply = n) for n = 0..100 under each row's prompt, level by level down the trie of number tokens
        (a node is grown while its path probability is above PRUNE): one forward pass per level.

        A level's nodes go through the model as a tree (`_TreeLevels`): extra tokens of their prompt's row, each
        seeing the prompt, its own ancestors and itself (a 4D attention mask), so the KV cache stays one row per
        prompt. A weak judge spreads its mass over ~100 numbers, and copying a 200-token cache 90 times per
        prompt cost more than the forward passes. Models with sliding-window layers (Gemma 3, gpt-oss) keep a
        cache whose length differs by layer; they take a row per node with its cache copied (`_CopiedLevels`)."""
        paths, children = self._number_trie()
        number_at = {p: n for n, p in paths.items()}
        digit = self._digit_start_mask()
        probs: list[dict[str, float]] = [dict() for _ in range(len(root_logp))]
        levels = (_CopiedLevels if self._sliding() else _TreeLevels)(self, cache, mask, last_pos)
        # frontier: (prompt row, trie node, log P(node's tokens), next-token log probs after it, handle)
        frontier = [(b, (), 0.0, root_logp[b], b) for b in range(len(root_logp))]
        while frontier:
            grow = []
            for b, node, lp, logp, handle in frontier:
                if node in number_at:
                    end = 1.0 - float(logp[digit].exp().sum().clamp(max=1.0))
                    probs[b][number_at[node]] = math.exp(lp) * max(end, 0.0)
                for tok in children.get(node, ()):
                    child_lp = lp + float(logp[tok])
                    if math.exp(child_lp) > PRUNE:
                        grow.append((b, node + (tok,), child_lp, handle))
            if not grow:
                break
            logps, handles = levels.step(grow)
            frontier = [(b, node, lp, logps[i], handles[i]) for i, (b, node, lp, _h) in enumerate(grow)]
        return probs

    def close(self) -> None:
        if self._owner is None:
            self.model = None
        self._owner = None
        self._model = None


class _TreeLevels:
    """Trie levels as tree-masked tokens of their prompt's cache row (see HFBackend._expand_numbers); a node's
    handle is the tuple of cache columns holding its path's tokens."""

    def __init__(self, backend: HFBackend, cache, mask, last_pos):
        self.b, self.cache, self.last_pos = backend, cache, last_pos
        self.seen = mask.bool()                              # prompt columns each row's tree tokens may see
        self.prompt_len = self.kv_len = mask.shape[1]        # the cache grows by one column per token slot
        self.dtype = next(backend.model.parameters()).dtype

    def step(self, grow: list[tuple]) -> tuple[list, list]:
        torch, device = self.b.torch, self.b.device
        slots: dict[int, list[int]] = defaultdict(list)      # prompt row -> indices into grow
        for i, (row, *_rest) in enumerate(grow):
            slots[row].append(i)
        rows, width, kv = len(self.seen), max(len(v) for v in slots.values()), self.kv_len
        ids = torch.full((rows, width), self.b.tokenizer.pad_token_id, dtype=torch.long, device=device)
        pos = torch.zeros((rows, width), dtype=torch.long, device=device)
        attn = torch.full((rows, 1, width, kv + width), torch.finfo(self.dtype).min, dtype=self.dtype, device=device)
        attn[:, 0, :, :self.prompt_len].masked_fill_(self.seen[:, None, :], 0.0)
        idx = torch.arange(width, device=device)
        attn[:, 0, idx, kv + idx] = 0.0                      # every token sees itself (a padding slot nothing else)
        where: list[tuple[int, int]] = [(0, 0)] * len(grow)
        for row, members in slots.items():
            for j, i in enumerate(members):
                _row, node, _lp, cols = grow[i]
                ids[row, j] = node[-1]
                pos[row, j] = self.last_pos[row] + len(node)
                if node[:-1]:
                    attn[row, 0, j, list(cols)] = 0.0
                where[i] = (row, j)
        with torch.inference_mode():
            res = self.b.model(input_ids=ids, attention_mask=attn, position_ids=pos, past_key_values=self.cache,
                               use_cache=True, logits_to_keep=width)
            logp = res.logits.float()
            logp -= torch.logsumexp(logp, dim=-1, keepdim=True)  # in place: one vocabulary-sized row per node
        self.cache, self.kv_len = res.past_key_values, kv + width
        logps = [logp[r, j] for r, j in where]
        handles = [(grow[i][3] if grow[i][1][:-1] else ()) + (kv + j,) for i, (_r, j) in enumerate(where)]
        return logps, handles


class _CopiedLevels:
    """Trie levels as batch rows, each node's row a copy of its parent's cache row; a node's handle is its row."""

    def __init__(self, backend: HFBackend, cache, mask, last_pos):
        self.b, self.cache, self.mask, self.positions = backend, cache, mask, last_pos

    def step(self, grow: list[tuple]) -> tuple[list, list]:
        torch, device = self.b.torch, self.b.device
        parent = torch.tensor([h for *_rest, h in grow], device=device)
        self.cache.reorder_cache(parent)
        self.mask = torch.cat([self.mask.index_select(0, parent), torch.ones_like(parent)[:, None]], dim=1)
        self.positions = self.positions.index_select(0, parent) + 1
        ids = torch.tensor([[node[-1]] for _b, node, _lp, _h in grow], device=device)
        with torch.inference_mode():
            res = self.b.model(input_ids=ids, attention_mask=self.mask, position_ids=self.positions[:, None],
                               past_key_values=self.cache, use_cache=True, logits_to_keep=1)
        self.cache = res.past_key_values
        logp = torch.log_softmax(res.logits[:, -1].float(), dim=-1)
        return list(logp), list(range(len(grow)))


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _shared_prefix_len(seqs: list[list[int]]) -> int:
    """Leading tokens common to every sequence, leaving each at least one token of its own (the forward pass
    after the prefix needs one per row to give that row's next-token logits)."""
    n = min(len(s) for s in seqs) - 1
    first = seqs[0]
    for k in range(max(n, 0)):
        if any(s[k] != first[k] for s in seqs[1:]):
            return k
    return max(n, 0)


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]
