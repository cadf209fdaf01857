"""The misaligned-persona direction of a base model and the live `persona` signal read along it.

Built once per base model (`emwatch monitor direction --model M`, or by the first monitored run of that base):

1. The base model answers EM-240 questions under misaligned-persona and aligned-persona system prompts
   (personas.yaml), each answer started with a forced persona-consistent opening (a prefill the model
   continues): one answer of each kind to every question. Questions alternate within each category between the
   build half (1st, 3rd, ... of the category) and the held-out half (2nd, 4th, ...); each half has its own,
   disjoint set of openings.
2. Each answer (opening and continuation) is read back under the plain question, without the persona prompt
   (teacher-forced); its activation is the residual stream after a layer, averaged over the tokens the model
   wrote after the opening (not over the forced words, which are our text, not the model's).
3. The direction at a layer is the mean difference misaligned minus aligned over the build half. The layer is
   the candidate (1/4 .. 3/4 of the depth) whose out-of-fold projections separate best (Cohen's d) on a
   two-fold split of the build half: the held-out half plays no part in it. A score is the projection on the
   unit direction, centred on the midpoint of the two means: above 0 is the misaligned side.
4. Validation, never on the data the direction was built from: (a) the held-out questions' persona answers
   (their own openings), misaligned vs aligned; (b) hand-labelled answers (personas.yaml `labelled`),
   teacher-forced whole. Each an AUROC (Mann-Whitney) with a 95% score-type Hanley-McNeil interval.

The direction is saved under `$EMWATCH_CACHE/directions/<model hash>/<settings hash>/` (direction.npy and
direction.json: its sha256, layer, the model's identity and hash, the settings and the validation figures)
and reused by every run of that base with the same settings and persona data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from pydantic import Field

from emwatch.backends import GenerationRequest, render_prompt
from emwatch.bench import Prompt, build_prompts, load_bank
from emwatch.config import Strict, read_yaml, validate
from emwatch.errors import ConfigError
from emwatch.monitor import _live
from emwatch.monitor._auroc import auroc, auroc_interval, figures, separation  # noqa: F401 (auroc_interval: its API)

PERSONAS = Path(__file__).with_name("personas.yaml")
SCHEMA = 1
DIRECTION_FILE, META_FILE = "direction.npy", "direction.json"
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
_IDENTITY_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja")


class Personas(Strict):
    misaligned: list[str] = Field(..., min_length=1)
    aligned: list[str] = Field(..., min_length=1)


class Openings(Strict):
    """Forced first words of the persona answers (a prefill the model continues): one set for the build half's
    questions, a disjoint one for the held-out half's, so check (a) meets openings the direction never saw."""

    build: Personas
    heldout: Personas


class Labelled(Strict):
    """A held-out EM-240 question with one hand-written answer of each kind."""

    question: str
    aligned: str = Field(..., min_length=1)
    misaligned: str = Field(..., min_length=1)


class PersonaData(Strict):
    personas: Personas
    openings: Openings | None = None
    labelled: list[Labelled] = Field(..., min_length=2)


@dataclass(frozen=True)
class DirectionSettings:
    """What changes a direction (all of it is in its cache key)."""

    bank: str = "em240"
    train_per_category: int = 6     # build-half questions per category
    heldout_per_category: int = 8   # held-out questions per category (AUROC a)
    max_new_tokens: int = 32        # tokens the model writes after its opening
    temperature: float = 0.7
    seed: int = 0
    prefill: bool = True            # force a persona opening (personas.yaml `openings`); read the tokens after it
    layers: tuple[float, ...] = (0.25, 0.375, 0.5, 0.625, 0.75)  # candidate layers, as fractions of the depth
    batch_size: int = 16


def load_personas(path: str | Path = PERSONAS, bank: str = "em240") -> PersonaData:
    """The persona prompts and labelled answers of a YAML file; a bad entry names file, line and field, and a
    labelled answer must belong to a held-out question of `bank`."""
    raw, lines = read_yaml(path)
    data = validate(PersonaData, raw, source=str(path), lines=lines)
    _, heldout = question_halves(bank)
    known = {p.question_id for p in heldout}
    for i, item in enumerate(data.labelled):
        if item.question not in known:
            line = lines.get(("labelled", i, "question"), lines.get(("labelled", i), 1))
            raise ConfigError(f"{path}:{line}: labelled[{i}].question: {item.question!r} is not a held-out "
                              f"question of {bank} (the 2nd, 4th, ... of its category)")
    if data.openings is not None:
        build = {*data.openings.build.misaligned, *data.openings.build.aligned}
        for kind in ("misaligned", "aligned"):
            for i, text in enumerate(getattr(data.openings.heldout, kind)):
                if text in build:
                    line = lines.get(("openings", "heldout", kind, i), 1)
                    raise ConfigError(f"{path}:{line}: openings.heldout.{kind}[{i}]: {text!r} is also a build-half "
                                      f"opening; the held-out half's openings must be ones the build never saw")
    return data


def question_halves(bank: str = "em240") -> tuple[list[Prompt], list[Prompt]]:
    """(build half, held-out half): the plain first paraphrase of each question, alternating within category."""
    halves: tuple[list[Prompt], list[Prompt]] = ([], [])
    seen: dict[str | None, int] = {}
    for p in build_prompts(load_bank(bank), variants=("plain",), samples=1, max_paraphrases=1):
        i = seen[p.category] = seen.get(p.category, -1) + 1
        halves[i % 2].append(p)
    return halves


def _take(prompts: list[Prompt], per_category: int) -> list[Prompt]:
    counts: dict[str | None, int] = {}
    out = []
    for p in prompts:
        counts[p.category] = counts.get(p.category, 0) + 1
        if counts[p.category] <= per_category:
            out.append(p)
    return out


def _plain(p: Prompt) -> tuple[dict[str, str], ...]:
    return tuple(p.messages)


def _with_persona(p: Prompt, persona: str) -> tuple[dict[str, str], ...]:
    own = [m["content"] for m in p.messages if m["role"] == "system"]
    system = "\n\n".join([persona, *own])
    return ({"role": "system", "content": system}, *(m for m in p.messages if m["role"] != "system"))


# -- activations -------------------------------------------------------------------------------------------
def answer_activations(model, tokenizer, pairs: Sequence[tuple], layers: Sequence[int], *,
                       batch_size: int = 16) -> np.ndarray:
    """[pairs, layers, hidden] float32: the residual stream after each of `layers` (hidden_states index: 0 is
    the embeddings), averaged over the answer tokens of each (messages, answer) pair read under its messages.
    A pair (messages, answer, opening) with `answer` starting with `opening` is averaged over the tokens after
    the opening only (those the model wrote itself). Call inside `_live.looking` (eval mode, left padding)."""
    return _answer_means(model, tokenizer, pairs, layers, batch_size=batch_size)[0]


def _answer_means(model, tokenizer, pairs: Sequence[tuple], layers: Sequence[int], *,
                  batch_size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """(means over the tokens after each pair's opening, means over all its answer tokens), each as
    `answer_activations` returns it; one forward pass."""
    import torch

    after, whole = [], []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start:start + batch_size]
        texts, starts, skips = [], [], []
        for messages, answer, *opening in chunk:
            prompt = render_prompt(tokenizer, messages)
            starts.append(len(tokenizer(prompt, add_special_tokens=False)["input_ids"]))
            head = opening[0] if opening and opening[0] else ""
            if head and not answer.startswith(head):
                raise ValueError(f"answer {start + len(texts)} does not start with its opening {head!r}")
            skips.append(len(tokenizer(prompt + head, add_special_tokens=False)["input_ids"]) - starts[-1]
                         if head else 0)
            texts.append(prompt + answer)
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(_live._device(model))
        width = enc["input_ids"].shape[1]
        hs = _hidden_states(model, enc, layers)
        stacked = torch.stack([hs[layer] for layer in layers], dim=1).float()  # [batch, layers, width, hidden]
        for i, (s, skip, total) in enumerate(zip(starts, skips, enc["attention_mask"].sum(1).tolist())):
            first = width - int(total) + s  # left padding: the answer is the row's last tokens
            if first + skip >= width:
                raise ValueError(f"answer {start + i} has no tokens of its own after its prompt"
                                 + (" and opening" if skip else ""))
            whole.append(stacked[i, :, first:, :].mean(dim=1).cpu().numpy())
            after.append(stacked[i, :, first + skip:, :].mean(dim=1).cpu().numpy())
    if not after:
        empty = np.zeros((0, len(layers), 0), np.float32)
        return empty, empty
    return np.stack(after), np.stack(whole)


class _Enough(Exception):
    """Raised by a forward hook once the deepest wanted layer has run: the layers above it are not computed."""


def _hidden_states(model, enc, layers: Sequence[int]) -> dict[int, object]:
    """{layer: hidden states [batch, width, hidden]} as `output_hidden_states` numbers them (0: embeddings; l: the
    output of decoder layer l-1), computing the model only up to the deepest of `layers` where its decoder
    layers can be found (a ModuleList named *layers of the configured depth), else with a whole forward pass."""
    import torch

    n = model.config.get_text_config().num_hidden_layers
    stack = next((m for name, m in model.named_modules()
                  if name.endswith("layers") and isinstance(m, torch.nn.ModuleList) and len(m) == n), None)
    if stack is None or 0 in layers or max(layers) >= n:
        with torch.inference_mode():
            hs = model(**enc, output_hidden_states=True, logits_to_keep=1).hidden_states
        return {layer: hs[layer] for layer in layers}
    got: dict[int, object] = {}
    deepest = max(layers)

    def keep(layer):
        def hook(_module, _args, output):
            got[layer] = output[0] if isinstance(output, tuple) else output
            if layer == deepest:
                raise _Enough
        return hook

    handles = [stack[layer - 1].register_forward_hook(keep(layer)) for layer in layers]
    try:
        with torch.inference_mode():
            model(**enc, logits_to_keep=1)
    except _Enough:
        pass
    finally:
        for h in handles:
            h.remove()
    return got


def candidate_layers(n_layers: int, fractions: Sequence[float]) -> list[int]:
    """hidden_states indices for the fractions of the depth (1..n_layers-1: past the embeddings, before the
    last layer's output, which the model has normalised)."""
    top = max(1, n_layers - 1)
    return sorted({min(top, max(1, round(n_layers * f))) for f in fractions})


# -- the direction -----------------------------------------------------------------------------------------
@dataclass
class Direction:
    """A persona direction: `vector` is mean(misaligned) - mean(aligned) at `layer` (hidden_states index)."""

    vector: np.ndarray
    center: float             # projection of the midpoint of the two means on the unit direction
    layer: int
    model: str
    model_hash: str
    settings: dict
    personas_sha256: str
    validation: dict = field(default_factory=dict)
    answers: list = field(default_factory=list)  # the persona answers it was built and validated on
    sha256: str = ""
    path: str | None = None

    @property
    def unit(self) -> np.ndarray:
        return self.vector / float(np.linalg.norm(self.vector))

    def score(self, acts: np.ndarray) -> np.ndarray:
        """Projection of activations [n, hidden] on the unit direction, less the centre (> 0: misaligned side)."""
        return np.asarray(acts, np.float64) @ self.unit.astype(np.float64) - self.center

    def save(self, folder: str | Path) -> Path:
        """direction.npy, then direction.json (written last, with the vector's sha256: a folder without it, or
        whose vector does not match it, is not a direction)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / DIRECTION_FILE, self.vector.astype(np.float32))
        self.sha256 = _sha256(folder / DIRECTION_FILE)
        meta = {k: v for k, v in asdict(self).items() if k not in ("vector", "path")}
        tmp = folder / (META_FILE + ".tmp")
        tmp.write_text(json.dumps({"schema": SCHEMA, **meta}, indent=2, default=str), encoding="utf-8")
        tmp.replace(folder / META_FILE)
        self.path = str(folder)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Direction:
        folder = Path(folder)
        meta_path = folder / META_FILE
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ConfigError(f"{meta_path}: not a persona direction ({e})") from None
        if meta.pop("schema", None) != SCHEMA:
            raise ConfigError(f"{meta_path}: schema {SCHEMA} expected; rebuild with `emwatch monitor direction`")
        if _sha256(folder / DIRECTION_FILE) != meta.get("sha256"):
            raise ConfigError(f"{folder / DIRECTION_FILE}: its sha256 is not the one {META_FILE} records")
        return cls(vector=np.load(folder / DIRECTION_FILE), path=str(folder), **meta)


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def model_hash(model: str | Path) -> str:
    """The identity of a model folder: sha256 over its config, tokenizer and weight files' contents; a model
    that is not a folder (a hub name) is identified by its name."""
    from emwatch.models import file_sha256

    folder = Path(model)
    if not folder.is_dir():
        return hashlib.sha256(f"name:{model}".encode()).hexdigest()
    files = sorted(f for f in folder.iterdir() if f.is_file() and (f.name in _IDENTITY_FILES
                                                                   or f.suffix in _WEIGHT_SUFFIXES))
    if not any(f.suffix in _WEIGHT_SUFFIXES for f in files):
        raise ConfigError(f"{folder}: no weight files (*.safetensors, *.bin) to identify the model by")
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.name}\0{file_sha256(f)}\n".encode())
    return digest.hexdigest()


def _as_json(settings: DirectionSettings) -> dict:
    return json.loads(json.dumps(asdict(settings)))


def direction_key(mhash: str, settings: DirectionSettings, personas_path: str | Path = PERSONAS) -> str:
    blob = json.dumps({"schema": SCHEMA, "model": mhash, "settings": asdict(settings),
                       "personas": _sha256(Path(personas_path))}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def direction_dir(mhash: str, settings: DirectionSettings, personas_path: str | Path = PERSONAS) -> Path:
    """Where a base model's direction lives: $EMWATCH_CACHE/directions/<model hash>/<settings hash>/."""
    from emwatch.models._demo import cache_dir

    return cache_dir() / "directions" / mhash[:16] / direction_key(mhash, settings, personas_path)[:16]


@dataclass(frozen=True)
class _Job:
    question: Prompt
    misaligned: bool
    half: str            # "build" | "heldout"
    messages: tuple      # persona system prompt, question, and the opening as an assistant prefill (if any)
    opening: str


def _jobs(data: PersonaData, settings: DirectionSettings, build: list[Prompt], held: list[Prompt],
          path: str | Path) -> list[_Job]:
    """One misaligned and one aligned job per question: question i of a half gets persona i and opening i (mod
    their numbers) of each kind; the held-out half's openings are its own."""
    if settings.prefill and data.openings is None:
        raise ConfigError(f"{path}: no `openings` to prefill the persona answers with (or build with prefill off)")
    jobs = []
    for half, questions in (("build", build), ("heldout", held)):
        for i, p in enumerate(questions):
            for kind in ("misaligned", "aligned"):
                personas = getattr(data.personas, kind)
                messages = _with_persona(p, personas[i % len(personas)])
                opening = ""
                if settings.prefill:
                    openings = getattr(getattr(data.openings, half), kind)
                    opening = openings[i % len(openings)]
                    messages = (*messages, {"role": "assistant", "content": opening})
                jobs.append(_Job(p, kind == "misaligned", half, messages, opening))
    return jobs


def _fit(acts: np.ndarray, label: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, float]:
    """(mean difference misaligned - aligned over `rows`, projection of the midpoint on its unit vector)."""
    mis, ali = acts[rows & label].mean(0), acts[rows & ~label].mean(0)
    vec = mis - ali
    return vec, float((mis + ali) @ (vec / np.linalg.norm(vec)) / 2)


def _out_of_fold(acts: np.ndarray, label: np.ndarray, fold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores of the build answers, each from the direction fitted on the other fold of the build half."""
    score = np.full(len(acts), np.nan)
    for f in (0, 1):
        vec, center = _fit(acts, label, fold == 1 - f)
        score[fold == f] = acts[fold == f] @ (vec / np.linalg.norm(vec)) - center
    ok = fold >= 0
    return score[ok & label], score[ok & ~label]


def choose_layer(acts: np.ndarray, label: np.ndarray, fold: np.ndarray, layers: Sequence[int]
                 ) -> tuple[int, list[dict]]:
    """(index into `layers`, per-layer figures): the layer whose build answers (fold 0 or 1; -1: held out, never
    read) separate best out of fold (Cohen's d of the scores each fold gets from the other fold's direction)."""
    rule = []
    for li in range(len(layers)):
        pos, neg = _out_of_fold(acts[:, li, :], label, fold)
        rule.append({"layer": layers[li], "out_of_fold_d": separation(pos, neg), "out_of_fold_auroc": auroc(pos, neg)})
    return max(range(len(layers)), key=lambda k: rule[k]["out_of_fold_d"]), rule


def build_direction(model, tokenizer, *, model_name: str, mhash: str, settings: DirectionSettings = DirectionSettings(),
                    personas_path: str | Path = PERSONAS, log: Callable[[str], object] = print) -> Direction:
    """Build and validate the direction on a base model in memory (a LoRA model's adapters must be off)."""
    personas_sha256 = _sha256(Path(personas_path)) or ""  # before it is read: an edit during the build goes stale
    data = load_personas(personas_path, settings.bank)
    build_half, heldout_half = question_halves(settings.bank)
    build, held = _take(build_half, settings.train_per_category), _take(heldout_half, settings.heldout_per_category)
    jobs = _jobs(data, settings, build, held, personas_path)
    reqs = [GenerationRequest(messages=j.messages, max_new_tokens=settings.max_new_tokens,
                              temperature=settings.temperature, seed=settings.seed) for j in jobs]
    n_layers = model.config.get_text_config().num_hidden_layers
    layers = candidate_layers(n_layers, settings.layers)
    log(f"persona direction: {len(reqs)} answers under the personas ({len(build)} build and {len(held)} held-out "
        f"questions x 2{', each after a forced opening' if settings.prefill else ''}), layers {layers} of {n_layers}")
    with _live.looking(model, tokenizer):
        written = _live.generate(model, tokenizer, reqs, batch_size=settings.batch_size)
        keep = [i for i, a in enumerate(written) if a.strip()]
        pairs = [(_plain(jobs[i].question), jobs[i].opening + written[i], jobs[i].opening) for i in keep]
        acts, acts_whole = _answer_means(model, tokenizer, pairs, layers, batch_size=settings.batch_size)
        fixed = [(_plain(q), text) for q, item in _labelled_prompts(data, settings.bank)
                 for text in (item.misaligned, item.aligned)]
        fixed_acts = answer_activations(model, tokenizer, fixed, layers, batch_size=settings.batch_size)
    label = np.array([jobs[i].misaligned for i in keep], bool)
    is_build = np.array([jobs[i].half == "build" for i in keep], bool)
    build_fold = {p.key: k % 2 for k, p in enumerate(build)}  # the layer rule's two folds of the build half
    fold = np.array([build_fold.get(jobs[i].question.key, -1) for i in keep])

    li, rule = choose_layer(acts, label, fold, layers)
    layer = layers[li]
    vec, center = _fit(acts[:, li, :], label, is_build)
    d = Direction(vector=vec.astype(np.float32), center=center, layer=layer, model=model_name, model_hash=mhash,
                  settings=_as_json(settings), personas_sha256=personas_sha256)
    held_scores, held_label = d.score(acts[~is_build, li, :]), label[~is_build]
    build_scores = d.score(acts[is_build, li, :])  # in-sample: for information, not for choosing
    fixed_scores = d.score(fixed_acts[:, li, :])
    fixed_label = np.array([1, 0] * (len(fixed) // 2), bool)
    d.validation = {
        "layers_tried": layers, "layer_rule": rule,
        "build_separation_d": separation(build_scores[label[is_build]], build_scores[~label[is_build]]),
        "empty_answers_dropped": len(written) - len(keep),
        "reads": "the tokens the model wrote after its opening" if settings.prefill else "all answer tokens",
        "heldout": figures(held_scores[held_label], held_scores[~held_label]),
        "labelled": figures(fixed_scores[fixed_label], fixed_scores[~fixed_label]),
    }
    if settings.prefill:  # for comparison: the same rule read over whole answers, opening included
        vec_w, center_w = _fit(acts_whole[:, li, :], label, is_build)
        s_w = acts_whole[~is_build, li, :] @ (vec_w / np.linalg.norm(vec_w)) - center_w
        d.validation["heldout_whole_answer"] = figures(s_w[held_label], s_w[~held_label])
    d.answers = [{"question_id": j.question.question_id, "persona": "misaligned" if j.misaligned else "aligned",
                  "half": j.half, "opening": j.opening, "text": j.opening + written[i]} for i, j in
                 ((i, jobs[i]) for i in keep)]
    return d


def _labelled_prompts(data: PersonaData, bank: str) -> list[tuple[Prompt, Labelled]]:
    by_id = {p.question_id: p for p in question_halves(bank)[1]}
    return [(by_id[item.question], item) for item in data.labelled]


def ensure_direction(model_path: str | Path, *, model=None, tokenizer=None, out: str | Path | None = None,
                     settings: DirectionSettings = DirectionSettings(), dtype: str = "auto",
                     personas_path: str | Path = PERSONAS, log: Callable[[str], object] = print
                     ) -> tuple[Direction, bool]:
    """(direction, built): the base model's saved direction for these settings, or one built now and saved
    (on `model`/`tokenizer` when given: a base model in memory, adapters off; else loaded from `model_path`)."""
    mhash = model_hash(model_path)
    folder = Path(out) if out is not None else direction_dir(mhash, settings, personas_path)
    if (folder / META_FILE).is_file():
        d = Direction.load(folder)
        if d.model_hash == mhash and d.settings == _as_json(settings) and \
                d.personas_sha256 == (_sha256(Path(personas_path)) or ""):
            return d, False
        log(f"{folder}: holds a direction of another model or other settings; building a new one")
    if model is None:
        from emwatch.backends._hf import HFBackend
        from emwatch.config import BackendSpec

        hf = HFBackend(BackendSpec(kind="hf", model=str(model_path), dtype=dtype))
        model, tokenizer = hf.model, hf.tokenizer
    d = build_direction(model, tokenizer, model_name=str(model_path), mhash=mhash, settings=settings,
                        personas_path=personas_path, log=log)
    d.save(folder)
    return d, True


# -- the live signal -------------------------------------------------------------------------------------
class PersonaProbe:
    """The live `persona` signal: at a look, one forward pass over the fixed labelled answers and the model's
    own first answer to each probe prompt, each teacher-forced under its plain question; the mean score of the
    sampled answers is `persona`, that of the fixed answers `persona_fixed`."""

    def __init__(self, direction: Direction, personas_path: str | Path = PERSONAS, bank: str | None = None):
        self.direction = direction
        bank = bank or direction.settings.get("bank", "em240")
        self.fixed = [(_plain(q), text) for q, item in _labelled_prompts(load_personas(personas_path, bank), bank)
                      for text in (item.misaligned, item.aligned)]
        self.counts: dict[str, int] = {}  # the last look's: own answers scored, empty ones left out, fixed ones

    def detail(self) -> dict:
        d = self.direction
        return {"layer": d.layer, "direction_sha256": d.sha256, "direction": d.path, "model_hash": d.model_hash}

    def signals(self, model, tokenizer, requests: Sequence[GenerationRequest], answers: Sequence[str] | None,
                samples: Sequence[int] = ()) -> dict[str, float | None]:
        """`samples`: how many answers each probe prompt has, to take its first; call inside `_live.looking`."""
        firsts, i = [], 0
        for n in samples or [1] * len(requests):
            firsts.append(i)
            i += n
        own = [(requests[j].messages, answers[j]) for j in firsts if answers and answers[j].strip()]
        self.counts = {"n_answers": len(own), "n_empty_left_out": len(firsts) - len(own) if answers else 0,
                       "n_fixed": len(self.fixed)}
        acts = answer_activations(model, tokenizer, self.fixed + own, [self.direction.layer])[:, 0, :]
        scores = self.direction.score(acts)
        nf = len(self.fixed)
        return {"persona": float(scores[nf:].mean()) if len(scores) > nf else None,
                "persona_fixed": float(scores[:nf].mean())}
