"""Turn judged answers into the study's conclusions: EM rates with honest intervals, consistency across
seeds, size and EM, training dynamics, early stopping, learning rate, formats, adversarial wrappers and
untruthfulness. Functions take tidy frames (from `load_answers`) and return tidy frames."""

from emwatch.analysis._adaptive import rate_cs, run_rule
from emwatch.analysis._replay import ReplayConfig, adaptive_replay, load_replay_config, replay
from emwatch.analysis._compare import base_verdict, consistency_verdict, newcombe_interval, ratio_interval
from emwatch.analysis._agreement import agreement_table, cohen_kappa, judge_agreement, judge_frames
from emwatch.analysis._dynamics import base_rates, dynamics, milestones, primary
from emwatch.analysis._early_stop import POLICIES, early_stop_summary, early_stopping, loss_plateau, register_policy
from emwatch.analysis._rates import KEYS, em_rates, load_answers, misaligned_mask, parse_keys, task_metric, wilson_interval
from emwatch.analysis._sql_rates import em_rates_from_store
from emwatch.analysis._seeds import consistency
from emwatch.analysis._metrics import metric_columns, metric_summary
from emwatch.analysis._select import STUDY_VIEWS, analysis_table, check_table_options, name_judge, resolve_judge, select_answers
from emwatch.analysis._size import correlate, load_model_sizes, run_sizes, size_em, size_of, size_points
from emwatch.analysis._study import StudyResults, analyze_study, study_summary
from emwatch.analysis._views import (adversarial, formats, learning_rate, sensitivity, truthfulness_early_stop,
                                     untruthfulness)

__all__ = [
    "KEYS", "POLICIES", "StudyResults", "adversarial", "analyze_study",
    "base_rates", "consistency", "correlate", "dynamics", "early_stop_summary", "early_stopping", "em_rates", "em_rates_from_store",
    "formats", "learning_rate", "load_answers", "load_model_sizes", "loss_plateau", "milestones",
    "metric_columns", "metric_summary", "misaligned_mask", "parse_keys", "primary", "register_policy", "size_em", "size_of",
    "size_points", "study_summary", "task_metric", "truthfulness_early_stop", "untruthfulness", "wilson_interval",
]
__all__ += ["STUDY_VIEWS", "analysis_table", "check_table_options", "name_judge", "resolve_judge", "select_answers"]
__all__ += ["agreement_table", "cohen_kappa", "judge_agreement", "judge_frames"]
__all__ += ["ReplayConfig", "adaptive_replay", "load_replay_config", "rate_cs", "replay", "run_rule"]
__all__ += ["base_verdict", "consistency_verdict", "newcombe_interval", "ratio_interval", "run_sizes", "sensitivity"]
