"""Maintainer tools that are not part of the installed emwatch package."""
