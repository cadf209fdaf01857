"""Inspect's entry point (`[project.entry-points.inspect_ai] emwatch = ...`): importing this module registers
`emwatch/em240` and the `emwatch/aligned`, `emwatch/coherent` scorers with Inspect."""

from emwatch.integrations._inspect_task import aligned, coherent, em240

__all__ = ["aligned", "coherent", "em240"]
