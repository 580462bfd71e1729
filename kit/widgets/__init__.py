"""The widgets students work in: the tagger (sentences, spans, named spans), the verdict panel, the
comparison grid and the self-check. Every edit goes through one :class:`kit.tags.Session`."""

from .panels import ComparisonGrid, SelfCheck, VerdictPanel, self_check
from .pretest import DiscernmentTest
from .tagger import STATIC, LiveRegion, Tagger, palette_for, run_edit, tagger

__all__ = ["STATIC", "ComparisonGrid", "DiscernmentTest", "LiveRegion", "SelfCheck", "Tagger", "VerdictPanel", "palette_for", "run_edit",
           "self_check", "tagger"]
