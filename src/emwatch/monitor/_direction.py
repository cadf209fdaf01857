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

The persona data and the question halves are in `_persona_data`, the activations read from a model in
`_activations`; both are re-exported here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from emwatch.backends import GenerationRequest
from emwatch.bench import Prompt
from emwatch.errors import ConfigError
from emwatch.monitor import _live
from emwatch.monitor._activations import _answer_means, answer_activations, candidate_layers
from emwatch.monitor._auroc import auroc, auroc_interval, figures, separation  # noqa: F401 (auroc_interval: its API)
from emwatch.monitor._persona_data import (  # noqa: F401 (Openings, Personas, ...: re-exported, the module's API)
    PERSONAS, Labelled, Openings, PersonaData, Personas, _labelled_prompts, _plain, _take, _with_persona, load_personas,
    question_halves)

SCHEMA = 1
DIRECTION_FILE, META_FILE = "direction.npy", "direction.json"
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
_IDENTITY_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja")


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
