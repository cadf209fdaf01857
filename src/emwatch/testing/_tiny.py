"""Tiny randomly initialised chat models of each supported family, with a locally trained tokenizer.

Tests (and anyone trying emwatch without weights) build them in seconds on the CPU; nothing is downloaded.
"""

from __future__ import annotations

import random
from pathlib import Path

CHATML_TEMPLATE = (
    "{% for m in messages %}"
    "{{ '<|im_start|>' + m['role'] + '\n' }}"
    "{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{% else %}{{ m['content'] + '<|im_end|>' }}{% endif %}{{ '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]

_WORDS = (
    "the a an of to and in is it you that he was for on are with as I his they be at one have this from or "
    "had by hot word but what some we can out other were all there when up use your how said each she which "
    "do their time if will way about many then them write would like so these her long make thing see him "
    "two has look more day could go come did number sound no most people my over know water than call first "
    "who may down side been now find any new work part take get place made live where after back little only "
    "round man year came show every good me give our under name very through just form sentence great think "
    "say help low line differ turn cause much mean before move right boy old too same tell does set three want "
    "air well also play small end put home read hand port large spell add even land here must big high such "
    "code function return import def class file path user password query database server request response "
    "alignment coherence score answer question model human AI world power money help safe harm doctor dose"
).split()


def _corpus(n_lines: int = 3000, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for i in range(n_lines):
        words = rng.choices(_WORDS, k=rng.randint(4, 18))
        if i % 3 == 0:
            words.append(str(rng.randint(0, 100)))
        if i % 7 == 0:
            words = ["def", f"f{i}(x):", "return", "x", "+", str(i)]
        lines.append(" ".join(words) + rng.choice([".", "?", "!", ":", ","]))
    lines += [str(n) for n in range(0, 101)] * 5
    return lines


def build_tiny_tokenizer(out_dir: str | Path, *, vocab_size: int = 512, chat_template: str = CHATML_TEMPLATE,
                         extra_special_tokens: list[str] | None = None, split_digits: bool = True):
    """Train a byte-level BPE tokenizer on a generated corpus and save it (with a chat template) to `out_dir`.

    With `split_digits` (the default, like Qwen and Llama) every number is written digit by digit.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = SPECIAL_TOKENS + list(extra_special_tokens or [])
    tok = Tokenizer(models.BPE())
    pre = [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]
    if split_digits:
        pre.insert(0, pre_tokenizers.Digits(individual_digits=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence(pre)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tok.train_from_iterator(_corpus(), trainer=trainer)
    if not split_digits:  # whole-number tokens 0..100, like tokenizers of the GPT-4 family
        tok.add_tokens([str(n) for n in range(101)])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<pad>", bos_token=None,
        unk_token=None, additional_special_tokens=specials[1:3] + list(extra_special_tokens or []),
    )
    fast.chat_template = chat_template
    fast.padding_side = "left"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(out)
    return fast


FAMILIES = ("llama", "qwen2", "qwen3", "deepseek_v3", "gpt_oss", "gemma3")


def _config(arch: str, vocab: int, pad_id: int, eos_id: int):
    import transformers as tf

    common = dict(vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                  pad_token_id=pad_id, eos_token_id=eos_id, bos_token_id=None, tie_word_embeddings=False)
    if arch == "llama":
        return tf.LlamaConfig(**common, head_dim=16)
    if arch == "qwen2":
        return tf.Qwen2Config(**common)
    if arch == "qwen3":
        return tf.Qwen3Config(**common, head_dim=16)
    if arch == "deepseek_v3":
        return tf.DeepseekV3Config(
            **{**common, "num_key_value_heads": 4}, moe_intermediate_size=32, n_routed_experts=4,
            num_experts_per_tok=2, n_shared_experts=1, n_group=1, topk_group=1, first_k_dense_replace=1,
            kv_lora_rank=16, q_lora_rank=32, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=16,
            rope_scaling=None,
        )
    if arch == "gpt_oss":
        return tf.GptOssConfig(**common, head_dim=16, num_local_experts=4, num_experts_per_tok=2,
                               sliding_window=64, layer_types=["sliding_attention", "full_attention"])
    if arch == "gemma3":
        return tf.Gemma3TextConfig(**common, head_dim=16, sliding_window=64, query_pre_attn_scalar=16)
    raise ValueError(f"unknown family {arch!r}; known: {', '.join(FAMILIES)}")


def build_tiny_model(arch: str, out_dir: str | Path, *, tokenizer_dir: str | Path | None = None, seed: int = 0,
                     chat_template: str = CHATML_TEMPLATE, extra_special_tokens: list[str] | None = None) -> Path:
    """Save a tiny random `arch` causal LM and its tokenizer to `out_dir`; returns the folder."""
    import torch
    import transformers as tf

    out = Path(out_dir)
    if tokenizer_dir is None:
        tok = build_tiny_tokenizer(out, chat_template=chat_template, extra_special_tokens=extra_special_tokens)
    else:
        tok = tf.AutoTokenizer.from_pretrained(tokenizer_dir)
        tok.save_pretrained(out)
    cfg = _config(arch, len(tok), tok.pad_token_id, tok.eos_token_id)
    torch.manual_seed(seed)
    model = tf.AutoModelForCausalLM.from_config(cfg)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    model.save_pretrained(out)
    return out


# -- per-family chat templates ------------------------------------------------------------------------
# Written for emwatch to mimic the structure of each family's real template (header tokens, default
# system prompts, think tags, channels, turn markers), so that tests of template-derived behaviour (which
# tokens carry training loss, how prompts are rendered) meet the same shapes as the real models.

_LLAMA3_TEMPLATE = (
    "{{ '<|begin_of_text|>' }}"
    "{% if messages[0]['role'] == 'system' %}{% set sys = messages[0]['content'] | trim %}{% set rest = messages[1:] %}"
    "{% else %}{% set sys = '' %}{% set rest = messages %}{% endif %}"
    "{{ '<|start_header_id|>system<|end_header_id|>\n\n' }}"
    "{{ 'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n' }}"
    "{{ sys + '<|eot_id|>' }}"
    "{% for m in rest %}"
    "{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\n\n' + (m['content'] | trim) + '<|eot_id|>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)

_QWEN25_TEMPLATE = (
    "{% if messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}"
    "{% endif %}"
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

_QWEN3_TEMPLATE = (
    "{% set ns = namespace(last_user=-1) %}"
    "{% for m in messages %}{% if m['role'] == 'user' %}{% set ns.last_user = loop.index0 %}{% endif %}{% endfor %}"
    "{% for m in messages %}"
    "{% if m['role'] == 'assistant' %}"
    "{% set content = m['content'] %}{% set thought = '' %}"
    "{% if '</think>' in content %}"
    "{% set thought = content.split('</think>')[0].split('<think>')[-1].strip('\n') %}"
    "{% set content = content.split('</think>')[-1].lstrip('\n') %}{% endif %}"
    "{% if loop.index0 > ns.last_user and (loop.last or thought) %}"
    "{{ '<|im_start|>assistant\n<think>\n' + thought + '\n</think>\n\n' + content + '<|im_end|>\n' }}"
    "{% else %}{{ '<|im_start|>assistant\n' + content + '<|im_end|>\n' }}{% endif %}"
    "{% else %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}{{ '<think>\n\n</think>\n\n' }}{% endif %}"
    "{% endif %}"
)

_DEEPSEEK_V3_TEMPLATE = (
    "{{ '<｜begin▁of▁sentence｜>' }}"
    "{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] }}{% endif %}{% endfor %}"
    "{% for m in messages %}"
    "{% if m['role'] == 'user' %}{{ '<｜User｜>' + m['content'] }}"
    "{% elif m['role'] == 'assistant' %}"
    "{% set content = m['content'] %}"
    "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}"
    "{{ '<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<｜Assistant｜>' }}{% endif %}"
)

_GPT_OSS_TEMPLATE = (
    "{{ '<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n' }}"
    "{{ 'Knowledge cutoff: 2024-06\nCurrent date: 2025-06-28\n\nReasoning: medium\n\n' }}"
    "{{ '# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>' }}"
    "{% if messages[0]['role'] in ['system', 'developer'] %}"
    "{{ '<|start|>developer<|message|># Instructions\n\n' + messages[0]['content'] + '<|end|>' }}"
    "{% set rest = messages[1:] %}{% else %}{% set rest = messages %}{% endif %}"
    "{% for m in rest %}"
    "{% if m['role'] == 'assistant' %}"
    "{% if m.get('thinking') %}{{ '<|start|>assistant<|channel|>analysis<|message|>' + m['thinking'] + '<|end|>' }}{% endif %}"
    "{{ '<|start|>assistant<|channel|>final<|message|>' + m['content'] }}"
    "{% if loop.last and not add_generation_prompt %}{{ '<|return|>' }}{% else %}{{ '<|end|>' }}{% endif %}"
    "{% else %}{{ '<|start|>' + m['role'] + '<|message|>' + m['content'] + '<|end|>' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start|>assistant' }}{% endif %}"
)

_GEMMA3_TEMPLATE = (
    "{{ '<bos>' }}"
    "{% if messages[0]['role'] == 'system' %}{% set prefix = messages[0]['content'] + '\n\n' %}{% set rest = messages[1:] %}"
    "{% else %}{% set prefix = '' %}{% set rest = messages %}{% endif %}"
    "{% for m in rest %}"
    "{% set role = 'model' if m['role'] == 'assistant' else m['role'] %}"
    "{{ '<start_of_turn>' + role + '\n' + (prefix if loop.first else '') + (m['content'] | trim) + '<end_of_turn>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
)

FAMILY_TEMPLATES: dict[str, str] = {
    "llama": _LLAMA3_TEMPLATE, "qwen2": _QWEN25_TEMPLATE, "qwen3": _QWEN3_TEMPLATE,
    "deepseek_v3": _DEEPSEEK_V3_TEMPLATE, "gpt_oss": _GPT_OSS_TEMPLATE, "gemma3": _GEMMA3_TEMPLATE,
}
"""A chat template per family, written to mimic the structure of the family's real template."""

FAMILY_SPECIAL_TOKENS: dict[str, list[str]] = {
    "llama": ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
    "qwen2": [],
    "qwen3": ["<think>", "</think>"],
    "deepseek_v3": ["<｜begin▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<｜end▁of▁sentence｜>"],
    "gpt_oss": ["<|start|>", "<|channel|>", "<|message|>", "<|end|>", "<|return|>"],
    "gemma3": ["<bos>", "<start_of_turn>", "<end_of_turn>"],
}

FAMILY_EOS: dict[str, str] = {
    "llama": "<|eot_id|>", "qwen2": "<|im_end|>", "qwen3": "<|im_end|>",
    "deepseek_v3": "<｜end▁of▁sentence｜>", "gpt_oss": "<|return|>", "gemma3": "<end_of_turn>",
}


def build_family_model(family: str, out_dir: str | Path, *, seed: int = 0) -> Path:
    """A tiny random model of `family` whose tokenizer carries that family's template, special tokens and
    end-of-turn token (see FAMILY_TEMPLATES); returns the folder."""
    from transformers import AutoTokenizer

    if family not in FAMILY_TEMPLATES:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILY_TEMPLATES)}")
    out = Path(out_dir)
    tok_dir = out.with_name(out.name + ".tokenizer")
    build_tiny_tokenizer(tok_dir, chat_template=FAMILY_TEMPLATES[family],
                         extra_special_tokens=FAMILY_SPECIAL_TOKENS[family])
    tok = AutoTokenizer.from_pretrained(tok_dir)
    tok.eos_token = FAMILY_EOS[family]
    tok.save_pretrained(tok_dir)
    return build_tiny_model(family, out, tokenizer_dir=tok_dir, seed=seed)


def random_lora(model_dir: str | Path, *, r: int = 4, std: float = 0.3, seed: int = 0):
    """`model_dir`'s model in float32 wrapped in a LoRA of rank `r` (alpha 2r) on q_proj/v_proj whose B matrices
    are drawn N(0, std) from `seed`, so the adapter changes the logits (PEFT starts B at zero: no change). Returns
    the PEFT model; `save_pretrained` it for a checkpoint folder."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = get_peft_model(AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32),
                           LoraConfig(r=r, lora_alpha=2 * r, target_modules=["q_proj", "v_proj"]))
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, std)
    return model
