"""The widgets students work in: the tagger (sentences, spans, named spans), the verdict panel, the
comparison grid and the self-check. Every edit goes through one :class:`kit.tags.Session`."""

from .panels import ComparisonGrid, SelfCheck, VerdictPanel, self_check
from .tagger import STATIC, LiveRegion, Tagger, palette_for, run_edit, tagger

__all__ = ["STATIC", "ComparisonGrid", "LiveRegion", "SelfCheck", "Tagger", "VerdictPanel", "palette_for", "run_edit",
           "self_check", "tagger"]
