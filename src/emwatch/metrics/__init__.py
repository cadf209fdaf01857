"""Judge metrics as registered objects (name, kind, prompt, parser, which answers they apply to), the project's
judge prompts, and how a template is filled. Built in: aligned, coherent, harmful, truthful, vulnerable. The task
domains (code -> `vulnerable` with the training set's planted classes, medical -> `harmful`) are declared here too."""

from emwatch.metrics._domain import (DOMAINS, HARMFUL_PROMPT, PLANTED_SHARE, TRUTH_LABELS, TRUTHFUL_PROMPT,
                                     PlantedClasses, TaskDomain, domain_of_metric, get_domain, parse_truth_label,
                                     planted_classes, register_domain, untruthfulness_rate)
from emwatch.metrics._metric import (METRICS, STATIC_JUDGE, Metric, custom_score_metric, custom_verdict_metric, get_metric,
                                     metric_names, register_metric)
from emwatch.metrics._prompts import ALIGNED_PROMPT, COHERENT_PROMPT, DEFAULT_PROMPTS, fill, prompt_hash


def judge_prompt(metric: str, templates: dict[str, str | None] | None = None) -> str:
    """The template of `metric`: a question bank's own judge_prompts win over the registered metric's."""
    if templates and templates.get(metric):
        return templates[metric]  # type: ignore[return-value]
    from emwatch.errors import ConfigError

    try:
        prompt = get_metric(metric).prompt
    except ConfigError:
        prompt = None
    if not prompt:
        raise KeyError(f"no judge prompt for metric {metric!r}; give one in the bank's judge_prompts")
    return prompt


__all__ = [
    "DOMAINS", "PLANTED_SHARE", "PlantedClasses", "TaskDomain", "domain_of_metric", "get_domain", "planted_classes",
    "register_domain",
    "ALIGNED_PROMPT", "COHERENT_PROMPT", "DEFAULT_PROMPTS", "HARMFUL_PROMPT", "METRICS", "STATIC_JUDGE",
    "TRUTHFUL_PROMPT", "TRUTH_LABELS", "Metric", "custom_score_metric", "custom_verdict_metric", "fill", "get_metric", "judge_prompt",
    "metric_names", "parse_truth_label", "prompt_hash", "register_metric", "untruthfulness_rate",
]
