"""Coverage and record as pandas tables and as charts.

The tables are pandas DataFrames (pandas is imported when a table is asked for); the charts are
:class:`kit.charts.Chart` objects, plotly JSON built from the kit's own records without pandas or
plotly, so that a lesson that only charts stays as light as the tagging lessons. The tagging core
never imports this module.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

from .charts import Chart, axis, heatmap, text_table, vertical_line
from .corpus import Article, load_articles, load_record

if TYPE_CHECKING:
    import pandas as pd

COVERAGE_COLUMNS = [
    "id", "outlet", "function", "funding", "country", "date", "date_precision", "genre", "headline",
    "headline_note", "people_words", "event_words", "attributed_words", "causes", "causes_reported", "sources_quoted",
    "digest",
    "url", "republisher", "republisher_url", "ownership_note", "ownership_source", "ownership_urls", "date_note",
    "deployment_words",
]


def load_coverage(folder=None) -> pd.DataFrame:
    """One row per coverage article, with the same columns for every outlet.

    List fields (label words, causes, sources) stay Python tuples in their cells;
    ``date`` is a pandas datetime column.
    """
    import pandas as pd

    rows = [a.to_dict() for a in load_articles(folder)]
    frame = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def record_table(path=None) -> pd.DataFrame:
    """The dated record as a DataFrame, one row per event."""
    import pandas as pd

    rows = [item.to_dict() for item in load_record(path)]
    frame = pd.DataFrame(rows)
    for column in ("date_start", "date_end"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


# --- tables and charts for the lessons -------------------------------------------------------------
# The charts read the articles and the record directly: pandas only where a table is the point.

GROUPINGS = ("function", "funding", "country")
WORD_KINDS = {"people": ("people_words", "Words for the people in the streets"),
              "events": ("event_words", "Words for the events"),
              "deployment": ("deployment_words", "Words for the CSTO deployment"),
              "attributed": ("attributed_words", "Words credited to someone else")}
EDITORIAL_DATE = date(2022, 1, 7)
DAY_MS = 86_400_000  # a date axis counts in milliseconds


def _check_by(by: str) -> str:
    if by not in GROUPINGS:
        from .errors import KitError

        raise KitError(f"by={by!r} is not a way to group the outlets; choose one of {', '.join(GROUPINGS)}")
    return by


def _check_kind(kind: str) -> str:
    if kind not in WORD_KINDS:
        from .errors import KitError

        raise KitError(f"kind={kind!r} is not a list of label words; choose one of {', '.join(WORD_KINDS)}")
    return kind


def _words(value) -> str:
    return "; ".join(value) if value else ""


def _group_name(article: Article, by: str) -> str:
    return str(getattr(article, by)).replace("_", " ")


def coverage_table(folder=None) -> pd.DataFrame:
    """The coverage as students compare it: one row per article, the same columns for every outlet.

    No digest (the comparison grid shows it after the student has answered). List cells are joined
    with "; " so the table prints well.
    """
    import pandas as pd

    frame = load_coverage(folder)
    cause_labels = _cause_labels()
    table = pd.DataFrame({
        "outlet": frame["outlet"],
        "date": frame["date"].dt.strftime("%d %b %Y"),
        "function": frame["function"].str.replace("_", " "),
        "funding": frame["funding"],
        "country": frame["country"],
        "genre": frame["genre"].str.replace("_", " "),
        "headline": [h or f"({n})" for h, n in zip(frame["headline"], frame["headline_note"])],
        "people words": frame["people_words"].map(_words),
        "event words": frame["event_words"].map(_words),
        "credited to others": frame["attributed_words"].map(_words),
        "deployment words": frame["deployment_words"].map(_words),
        "causes it gives": frame["causes"].map(lambda cs: "; ".join(cause_labels.get(c, c) for c in cs)),
        "causes it reports": frame["causes_reported"].map(lambda cs: "; ".join(cause_labels.get(c, c) for c in cs)),
        "voices quoted": frame["sources_quoted"].map(_words),
        "url": [u or r for u, r in zip(frame["url"], frame["republisher_url"])],
    })
    table.index = frame["id"]
    table.index.name = "article"
    return table


def _cause_labels() -> dict[str, str]:
    from . import taxonomy

    return {v.code: v.label for v in taxonomy.grid_field("cause").values}


def _group_axis(articles: list[Article], by: str) -> tuple[list[str], dict[str, str]]:
    """Group names, largest group first, and each one's axis label with its number of articles."""
    sizes = Counter(_group_name(a, by) for a in articles)
    order = sorted(sizes, key=lambda g: (-sizes[g], g))
    return order, {g: f"{g} ({sizes[g]})" for g in order}


def _word_tally(kind: str, by: str, articles: list[Article]) -> Counter:
    """(group, word) -> the number of articles of the group that use the word (each article counted once)."""
    column = WORD_KINDS[_check_kind(kind)][0]
    _check_by(by)
    tally: Counter = Counter()
    for a in articles:
        for word in dict.fromkeys(w.lower() for w in getattr(a, column)):
            tally[(_group_name(a, by), word)] += 1
    return tally


def word_counts(kind: str = "people", by: str = "function", folder=None) -> pd.DataFrame:
    """How many articles of each group use each word: columns group, word, articles (long format).

    >>> counts = word_counts("attributed", by="country")
    >>> counts[counts["group"] == "Kazakhstan"]["word"].tolist()
    ['anti-terrorist operation', 'bandits', 'militants', 'terrorists']
    """
    import pandas as pd

    tally = _word_tally(kind, by, load_articles(folder))
    rows = [(g, w, n) for (g, w), n in sorted(tally.items())]
    return pd.DataFrame(rows, columns=["group", "word", "articles"])


def words_chart(kind: str = "people", by: str = "function", folder=None) -> Chart:
    """A heatmap: the outlets' own words (or words credited to others) by function, funding or country.

    Each cell gives the number of articles of that group that use the word; the column labels
    give how many articles the group has. Numbers are written in the cells (not colour alone).
    """
    _check_by(by)
    articles = load_articles(folder)
    tally = _word_tally(kind, by, articles)
    groups, labels = _group_axis(articles, by)
    totals = Counter()
    for (_group, word), n in tally.items():
        totals[word] += n
    words = sorted(totals, key=lambda w: (-totals[w], w)) or ["(no words)"]
    z = [[tally[(g, w)] for g in groups] for w in words]
    return heatmap(z=z, x=[labels[g] for g in groups], y=words, text=[[str(n) if n else "" for n in row] for row in z],
                   title=f"{WORD_KINDS[kind][1]}, by {by} (number of articles using each word)",
                   x_title=f"{by} (number of articles)", y_title="word",
                   hover="%{y}: %{z} article(s) of %{x}<extra></extra>",
                   height=max(300, 32 * len(words) + 200))


def causes_chart(by: str = "function", folder=None) -> Chart:
    """A heatmap: which causes the articles of each group give in their own voice ("k of n" in each cell).

    An article that only reports a cause (in quotation marks, or credited to an official) does not colour
    the cell: it is counted after a "+" as "reported", so asserting and reporting are never mixed.
    """
    _check_by(by)
    articles = load_articles(folder)
    groups, labels = _group_axis(articles, by)
    members = {g: [a for a in articles if _group_name(a, by) == g] for g in groups}
    cause_labels = _cause_labels()
    causes = [c for c in cause_labels if c != "not_determinable"]
    z, text = [], []
    for cause in causes:
        given = [sum(cause in a.causes for a in members[g]) for g in groups]
        reported = [sum(cause in a.causes_reported for a in members[g]) for g in groups]
        z.append([n / len(members[g]) for n, g in zip(given, groups)])
        text.append([_given_and_reported(n, r, len(members[g])) for n, r, g in zip(given, reported, groups)])
    return heatmap(z=z, x=[labels[g] for g in groups], y=[cause_labels[c] for c in causes], text=text,
                   title=f"Causes the articles give in their own voice, by {by}<br><sup>k of n: articles of the "
                         f"group that give the cause; + r reported: articles that only report someone else giving "
                         f"it</sup>",
                   x_title=f"{by} (number of articles)", y_title="cause",
                   hover="%{y}, %{x}: %{text}<extra></extra>",
                   height=max(300, 32 * len(causes) + 220))


def _given_and_reported(given: int, reported: int, size: int) -> str:
    parts = [f"{given} of {size}"] if given else []
    if reported:
        parts.append(f"+ {reported} reported")
    return " ".join(parts)


def voices_chart(by: str = "function", folder=None) -> Chart:
    """A bar per article: how many voices it quotes, grouped by function, funding or country.

    Hovering a bar lists the voices. The group is written in each bar's label, not only in its colour.
    """
    _check_by(by)
    articles = load_articles(folder)
    groups, _labels = _group_axis(articles, by)

    def label(a: Article) -> str:
        return f"{a.outlet}, {a.date:%d %b} [{_group_name(a, by)}]"

    place = {g: i for i, g in enumerate(groups)}
    ordered = sorted(articles, key=lambda a: (place[_group_name(a, by)], -len(a.sources_quoted), label(a)))
    data = []
    for group in groups:
        mine = [a for a in ordered if _group_name(a, by) == group]
        data.append({"type": "bar", "orientation": "h", "name": group,
                     "x": [len(a.sources_quoted) for a in mine], "y": [label(a) for a in mine],
                     "customdata": ["<br>".join(a.sources_quoted) or "(none seen)" for a in mine],
                     "hovertemplate": "%{y}: %{x} voice(s)<br>%{customdata}<extra></extra>"})
    layout = {"title": {"text": f"Voices each article quotes, grouped by {by}"},
              "xaxis": axis("voices quoted"),
              # plotly draws the first category at the bottom: reversed, the first article is on top.
              "yaxis": axis(f"article [{by}]", type="category", categoryorder="array",
                            categoryarray=[label(a) for a in reversed(ordered)]),
              "legend": {"title": {"text": by}}, "barmode": "relative", "height": max(300, 24 * len(ordered) + 120)}
    rows = [(label(a), _group_name(a, by), len(a.sources_quoted), "; ".join(a.sources_quoted) or "(none seen)")
            for a in ordered]
    return Chart(data, layout, ("article", by, "voices quoted", "who"), rows)


def _slug(item_id: str) -> str:
    return item_id[len("R-2022-01-01-"):].replace("-", " ")


def record_timeline(*, since: str | None = "2021-12-01", until: str | None = "2022-01-31", path=None) -> Chart:
    """The dated record as a timeline: one row per event in date order, coloured by its first topic.

    Only events that overlap ``since``-``until`` are drawn (``since=None`` and ``until=None`` for all
    of them). A dashed line marks 7 January 2022, the day the editorial was published. Hovering a
    bar gives the event in the kit's words and its date precision; the record ids match the verdict
    panel's.
    """
    first = date.fromisoformat(since) if since else date.min
    last = date.fromisoformat(until) if until else date.max
    items = sorted((r for r in load_record(path) if r.date_end >= first and r.date_start <= last),
                   key=lambda r: (r.date_start, r.date_end, r.id))
    topic = {r.id: r.tags[0].replace("_", " ") for r in items}
    label = {r.id: f"{r.date_start:%d %b %Y} · {_slug(r.id)} [{topic[r.id]}]" for r in items}
    data = []
    for name in dict.fromkeys(topic.values()):  # topics in order of their first event, as the legend lists them
        mine = [r for r in items if topic[r.id] == name]
        data.append({"type": "bar", "orientation": "h", "name": name,
                     # a bar from the first day to the end of the last day: base a date, length in milliseconds
                     "base": [r.date_start.isoformat() for r in mine],
                     "x": [((r.date_end - r.date_start).days + 1) * DAY_MS for r in mine],
                     "y": [label[r.id] for r in mine],
                     "customdata": [["<br>".join(_wrap(r.event)), r.precision, r.id] for r in mine],
                     "hovertemplate": "%{y}<br>%{customdata[0]}<br>date precision: %{customdata[1]} · "
                                      "%{customdata[2]}<extra></extra>"})
    layout = {"title": {"text": "The dated record in date order (the topic in brackets; hover for what happened)"},
              "xaxis": axis("date", type="date"),
              # plotly draws the first category at the bottom: newest first, the earliest event is on top.
              "yaxis": axis("event (date · short name [topic])", type="category", categoryorder="array",
                            categoryarray=[label[r.id] for r in reversed(items)]),
              "legend": {"title": {"text": "topic"}}, "barmode": "overlay",
              "height": max(320, 20 * len(items) + 140)}
    summary = f"{len(items)} events of the dated record"
    if first <= EDITORIAL_DATE <= last:
        line, note = vertical_line(EDITORIAL_DATE.isoformat(), "editorial published")
        layout["shapes"], layout["annotations"] = [line], [note]
        summary += "; a dashed line marks 7 January 2022, the day the editorial was published"
    rows = [(f"{r.date_start:%d %b %Y}", f"{r.date_end:%d %b %Y}", topic[r.id], r.id, r.event) for r in items]
    return Chart(data, layout, ("from", "to", "topic", "record item", "what happened"), rows, summary + ".")


def _wrap(text: str, width: int = 80) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def claim_rows(exercise_id: str = "verdicts-practice") -> list[dict]:
    """The editorial's checkable claims, one dict per claim: what each asserts and the sentence(s) that carry it.

    No verdicts and no evidence: those are what the student works out (the self-check shows them).
    Plain rows, so that lesson 03 shows them without pandas; :func:`claims_table` is the same as a DataFrame.

    >>> claim_rows()[0]["claim"], list(claim_rows()[0])
    ('C1', ['claim', 'what it asserts', 'units', 'in the editorial'])
    """
    from . import answers
    from .corpus import load_editorial

    doc = load_editorial()
    return [{"claim": c.id, "what it asserts": c.claim, "units": ", ".join(c.units),
             "in the editorial": " ".join(doc.unit(u).text for u in c.units)}
            for c in answers.load_key(exercise_id).items]


def claims_table(exercise_id: str = "verdicts-practice") -> pd.DataFrame:
    """:func:`claim_rows` as a DataFrame indexed by claim id.

    >>> claims_table().loc["C4", "units"]
    'p02.s1'
    """
    import pandas as pd

    return pd.DataFrame(claim_rows(exercise_id)).set_index("claim")


class TableView:
    """A table as a lesson shows it: a caption, one header row with no empty cells, and a scrolling
    box that the keyboard can reach (Tab, then the arrow keys) and a screen reader names.

    ``table`` is a pandas DataFrame (a named index becomes the first column) or a list of dicts, one
    per row, which shows without importing pandas. ``.frame`` is the table as a DataFrame, for students
    who want to sort or filter it.

    >>> view = TableView(claims_table().head(2), "Two claims")
    >>> "<caption>Two claims</caption>" in view._repr_html_(), "<th></th>" in view._repr_html_()
    (True, False)
    """

    def __init__(self, table, caption: str):
        self.caption = caption
        if isinstance(table, list):
            self.columns = list(table[0]) if table else []
            self.rows = [[row.get(c) for c in self.columns] for row in table]
            self._frame = None  # made from the rows when asked for
        else:
            flat = table.reset_index() if table.index.name else table
            self.columns, self.rows = [str(c) for c in flat.columns], flat.to_numpy().tolist()
            self._frame = table

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            import pandas as pd

            self._frame = pd.DataFrame(self.rows, columns=self.columns)
        return self._frame

    def _repr_html_(self) -> str:
        def cell(value) -> str:
            missing = value is None or (isinstance(value, float) and math.isnan(value))  # pandas' empty cell: NaN
            return "" if missing else html.escape(str(value))

        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>\n" for row in self.rows)
        label = html.escape(self.caption, quote=True)
        return (f"<div class='kit-table' role='region' aria-label='{label}' tabindex='0' "
                f"style='overflow: auto; max-height: 34em'><table class='dataframe'>\n"
                f"<caption>{html.escape(self.caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
                f"<tbody>\n{body}</tbody></table></div>")

    def __repr__(self) -> str:
        return f"{self.caption}\n\n{text_table(self.columns, self.rows)}"


def show_table(table, caption: str) -> TableView:
    """Show ``table`` (a DataFrame, or a list of dicts) in a lesson as an accessible table (see :class:`TableView`)."""
    return TableView(table, caption)
