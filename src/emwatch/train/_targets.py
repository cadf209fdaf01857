"""Which weights LoRA adapts: every attention and MLP projection of the family, experts included.

'auto' inspects the loaded model rather than trusting a name table, so a family's variant (grouped-query
or multi-head latent attention, dense or mixture-of-experts layers) gets exactly the projections it has.
Routers (the expert gates), embeddings and the output head are never adapted.
"""

from __future__ import annotations

# Projection names of the attention and MLP blocks across the supported families.
ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj", "q_a_proj", "q_b_proj",
             "kv_a_proj_with_mqa", "kv_b_proj")
MLP = ("gate_proj", "up_proj", "down_proj", "gate_up_proj")
# Leaf names that are never adapted even when they are linear layers.
NEVER = ("lm_head", "embed_tokens", "gate", "router", "shared_expert_gate", "score", "classifier")
# Parts of a multimodal model that are not the language model.
NOT_LANGUAGE = ("vision", "visual", "audio", "multi_modal_projector", "mm_projector")

# PEFT 0.21 on transformers 5 rewrites the targets of models whose experts were fused in version 5
# (DeepSeek-V3, Qwen2-MoE, Mixtral): it reads the bare names gate_proj/up_proj/down_proj as the version-4 names
# of the experts. On DeepSeek-V3 that leaves the dense layers and the shared experts without LoRA (attention
# and routed experts are adapted). Each run records what PEFT really adapted in its meta.json
# (`lora_targets`), with a note when names were dropped. PEFT 0.22 adapts them (seen on the tiny DeepSeek-V3 of
# the tests, 2026-12-07): the gap is expected only below that version.
def _peft_not_adapted() -> dict[str, tuple[str, ...]]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        major, minor = (int(x) for x in version("peft").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return {}
    return {"deepseek_v3": ("down_proj", "gate_proj", "up_proj")} if (major, minor) < (0, 22) else {}


PEFT_NOT_ADAPTED: dict[str, tuple[str, ...]] = _peft_not_adapted()

# What 'auto' finds on each family (checked by the tests on tiny models of each family; the same names
# hold for the full-size models). Expert weights are 3-D parameters adapted through PEFT's
# `target_parameters`.
FAMILY_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {
    "llama": {"modules": ("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"), "parameters": ()},
    "qwen2": {"modules": ("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"), "parameters": ()},
    "qwen3": {"modules": ("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"), "parameters": ()},
    "gemma3": {"modules": ("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"), "parameters": ()},
    "deepseek_v3": {
        "modules": ("down_proj", "gate_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj", "q_a_proj", "q_b_proj", "up_proj"),
        "parameters": ("mlp.experts.down_proj", "mlp.experts.gate_up_proj"),
    },
    "gpt_oss": {
        "modules": ("k_proj", "o_proj", "q_proj", "v_proj"),
        "parameters": ("mlp.experts.down_proj", "mlp.experts.gate_up_proj"),
    },
}


def _is_language(name: str) -> bool:
    return not any(part in name for part in NOT_LANGUAGE)


def find_targets(model) -> tuple[list[str], list[str]]:
    """(target_modules, target_parameters) for LoRA on `model`: the leaf names of its attention and MLP
    linear layers, and the `<block>.experts.<weight>` names of its fused 3-D expert weights."""
    import torch

    linear_leaves: set[str] = set()
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) and _is_language(name):
            linear_leaves.add(name.rsplit(".", 1)[-1])
    known = sorted(linear_leaves & set(ATTENTION + MLP))
    modules = known or sorted(x for x in linear_leaves if x not in NEVER)
    parameters: set[str] = set()
    for name, param in model.named_parameters():
        parts = name.split(".")
        if param.dim() == 3 and "experts" in parts and _is_language(name):
            k = parts.index("experts")
            # keep the block name before `experts` (e.g. "mlp.experts.gate_up_proj")
            parameters.add(".".join(parts[max(k - 1, 0):]))
    return modules, sorted(parameters)


def resolve_targets(model, lora) -> tuple[list[str], list[str]]:
    """Apply the config: 'auto' lists come from `find_targets`, explicit lists are used as given."""
    auto_modules, auto_params = find_targets(model)
    modules = auto_modules if lora.target_modules == "auto" else list(lora.target_modules)
    params = auto_params if lora.target_parameters == "auto" else list(lora.target_parameters)
    if not modules and not params:
        raise ValueError("LoRA found nothing to adapt in this model; list `lora.target_modules` explicitly")
    return modules, params
