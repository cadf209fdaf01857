"""The study report: a self-contained offline HTML page with every figure (PNG and SVG) and table (CSV)."""

from emwatch.report._figures import FIGURES
from emwatch.report._report import ReportResult, worst_answers, write_report

__all__ = ["FIGURES", "ReportResult", "worst_answers", "write_report"]
