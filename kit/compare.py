"""Coverage and record as pandas tables (and, later, plotly figures).

This module may import pandas and plotly; the tagging core never imports it.
"""

from __future__ import annotations

import pandas as pd

from .corpus import load_articles, load_record

COVERAGE_COLUMNS = [
    "id", "outlet", "function", "funding", "country", "date", "date_precision", "genre", "headline",
    "headline_note", "people_words", "event_words", "attributed_words", "causes", "sources_quoted", "digest",
    "url", "republisher", "republisher_url", "ownership_note", "ownership_source", "ownership_urls", "date_note",
]


def load_coverage(folder=None) -> pd.DataFrame:
    """One row per coverage article, with the same columns for every outlet.

    List fields (label words, causes, sources) stay Python tuples in their cells;
    ``date`` is a pandas datetime column.
    """
    rows = [a.to_dict() for a in load_articles(folder)]
    frame = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def record_table(path=None) -> pd.DataFrame:
    """The dated record as a DataFrame, one row per event."""
    rows = [item.to_dict() for item in load_record(path)]
    frame = pd.DataFrame(rows)
    for column in ("date_start", "date_end"):
        frame[column] = pd.to_datetime(frame[column])
    return frame
