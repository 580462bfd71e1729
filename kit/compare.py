"""Coverage and record as pandas tables (and, later, plotly figures).

This module may import pandas and plotly; the tagging core never imports it.
"""

from __future__ import annotations

import pandas as pd

from .corpus import load_articles, load_record

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


# --- tables and figures for the lessons ------------------------------------------------------------
# plotly is imported inside the figure functions, so load_coverage() stays as light as pandas alone.

GROUPINGS = ("function", "funding", "country")
WORD_KINDS = {"people": ("people_words", "Words for the people in the streets"),
              "events": ("event_words", "Words for the events"),
              "deployment": ("deployment_words", "Words for the CSTO deployment"),
              "attributed": ("attributed_words", "Words credited to someone else")}
EDITORIAL_DATE = "2022-01-07"


def _check_by(by: str) -> str:
    if by not in GROUPINGS:
        from .errors import KitError

        raise KitError(f"by={by!r} is not a way to group the outlets; choose one of {', '.join(GROUPINGS)}")
    return by


def _words(value) -> str:
    return "; ".join(value) if value else ""


def _group_names(frame: pd.DataFrame, by: str) -> pd.Series:
    return frame[by].astype(str).str.replace("_", " ")


def coverage_table(folder=None) -> pd.DataFrame:
    """The coverage as students compare it: one row per article, the same columns for every outlet.

    No digest (the comparison grid shows it after the student has answered). List cells are joined
    with "; " so the table prints well.
    """
    frame = load_coverage(folder)
    cause_labels = _cause_labels()
    table = pd.DataFrame({
        "outlet": frame["outlet"],
        "date": frame["date"].dt.strftime("%d %b %Y"),
        "function": _group_names(frame, "function"),
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


def _group_axis(frame: pd.DataFrame, by: str) -> tuple[list[str], dict[str, str]]:
    """Group names in a fixed order, and each one's axis label with its number of articles."""
    names = _group_names(frame, by)
    counts = names.value_counts()
    order = sorted(counts.index, key=lambda g: (-counts[g], g))
    return order, {g: f"{g} ({counts[g]})" for g in order}


def word_counts(kind: str = "people", by: str = "function", folder=None) -> pd.DataFrame:
    """How many articles of each group use each word: columns group, word, articles (long format).

    >>> counts = word_counts("attributed", by="country")
    >>> counts[counts["group"] == "Kazakhstan"]["word"].tolist()
    ['bandits', 'militants', 'terrorists']
    """
    _check_by(by)
    if kind not in WORD_KINDS:
        from .errors import KitError

        raise KitError(f"kind={kind!r} is not a list of label words; choose one of {', '.join(WORD_KINDS)}")
    frame = load_coverage(folder)
    column = WORD_KINDS[kind][0]
    rows = []
    for group, words in zip(_group_names(frame, by), frame[column]):
        for word in dict.fromkeys(w.lower() for w in words):
            rows.append({"group": group, "word": word})
    long = pd.DataFrame(rows, columns=["group", "word"])
    return long.groupby(["group", "word"]).size().rename("articles").reset_index()


def _heatmap(z_rows, words, groups, labels, title, hover, text):
    import plotly.graph_objects as go

    fig = go.Figure(go.Heatmap(
        z=z_rows, x=[labels[g] for g in groups], y=words, text=text, texttemplate="%{text}",
        hovertemplate=hover, colorscale="Blues", showscale=False, xgap=2, ygap=2))
    fig.update_layout(title=title, height=max(260, 32 * len(words) + 140), margin=dict(l=10, r=10, t=60, b=10),
                      yaxis=dict(autorange="reversed"), xaxis=dict(side="top", title=None))
    return fig


def words_chart(kind: str = "people", by: str = "function", folder=None):
    """A heatmap: the outlets' own words (or words credited to others) by function, funding or country.

    Each cell gives the number of articles of that group that use the word; the column labels
    give how many articles the group has. Numbers are written in the cells (not colour alone).
    """
    counts = word_counts(kind, by, folder)
    frame = load_coverage(folder)
    groups, labels = _group_axis(frame, by)
    totals = counts.groupby("word")["articles"].sum().sort_values(ascending=False)
    words = list(totals.index)
    lookup = {(g, w): n for g, w, n in counts.itertuples(index=False)}
    z = [[lookup.get((g, w), 0) for g in groups] for w in words]
    text = [[str(n) if n else "" for n in row] for row in z]
    title = f"{WORD_KINDS[kind][1]}, by {by} (number of articles using each word)"
    if not words:
        words, z, text = ["(no words)"], [[0] * len(groups)], [[""] * len(groups)]
    return _heatmap(z, words, groups, labels, title,
                    "%{y}: %{z} article(s) of %{x}<extra></extra>", text)


def causes_chart(by: str = "function", folder=None):
    """A heatmap: which causes the articles of each group give in their own voice ("k of n" in each cell).

    An article that only reports a cause (in quotation marks, or credited to an official) does not colour
    the cell: it is counted after a "+" as "reported", so asserting and reporting are never mixed.
    """
    _check_by(by)
    frame = load_coverage(folder)
    groups, labels = _group_axis(frame, by)
    names = _group_names(frame, by)
    cause_labels = _cause_labels()
    causes = [c for c in cause_labels if c != "not_determinable"]
    size = names.value_counts()
    z, text = [], []
    for cause in causes:
        given = [sum(cause in cs for g2, cs in zip(names, frame["causes"]) if g2 == g) for g in groups]
        reported = [sum(cause in cs for g2, cs in zip(names, frame["causes_reported"]) if g2 == g) for g in groups]
        z.append([n / size[g] for n, g in zip(given, groups)])
        text.append([_given_and_reported(n, r, size[g]) for n, r, g in zip(given, reported, groups)])
    return _heatmap(z, [cause_labels[c] for c in causes], groups, labels,
                    f"Causes the articles give in their own voice, by {by}<br><sup>k of n: articles of the group "
                    f"that give the cause; + r reported: articles that only report someone else giving it</sup>",
                    "%{y}, %{x}: %{text}<extra></extra>", text)


def _given_and_reported(given: int, reported: int, size: int) -> str:
    parts = [f"{given} of {size}"] if given else []
    if reported:
        parts.append(f"+ {reported} reported")
    return " ".join(parts)


def voices_chart(by: str = "function", folder=None):
    """A bar per article: how many voices it quotes, grouped by function, funding or country.

    Hovering a bar lists the voices. The group is written in each bar's label, not only in its colour.
    """
    import plotly.express as px

    _check_by(by)
    frame = load_coverage(folder)
    plot = pd.DataFrame({
        "article": [f"{o}, {d:%d %b}" for o, d in zip(frame["outlet"], frame["date"])],
        "group": _group_names(frame, by),
        "voices quoted": frame["sources_quoted"].map(len),
        "who": frame["sources_quoted"].map(lambda s: "<br>".join(s) if s else "(none seen)"),
    })
    groups, _labels = _group_axis(frame, by)
    plot["order"] = plot["group"].map({g: i for i, g in enumerate(groups)})
    plot = plot.sort_values(["order", "voices quoted", "article"], ascending=[True, False, True])
    plot["label"] = plot["article"] + " [" + plot["group"] + "]"
    fig = px.bar(plot, x="voices quoted", y="label", color="group", orientation="h", hover_data={"who": True,
                 "label": False, "order": False}, category_orders={"label": list(plot["label"]), "group": groups},
                 title=f"Voices each article quotes, grouped by {by}")
    fig.update_layout(height=max(300, 24 * len(plot) + 120), yaxis_title=None, legend_title_text=by,
                      margin=dict(l=10, r=10, t=60, b=10))
    return fig


def _slug(item_id: str) -> str:
    return item_id[len("R-2022-01-01-"):].replace("-", " ")


def record_timeline(*, since: str = "2021-12-01", until: str = "2022-01-31", path=None):
    """The dated record as a plotly timeline: one row per event in date order, coloured by its first topic.

    Only events that overlap ``since``-``until`` are drawn (``since=None`` and ``until=None`` for all
    of them). A dashed line marks 7 January 2022, the day the editorial was published. Hovering a
    bar gives the event in the kit's words and its date precision; the record ids match the verdict
    panel's.
    """
    import plotly.express as px

    frame = record_table(path)
    if since:
        frame = frame[frame["date_end"] >= pd.Timestamp(since)]
    if until:
        frame = frame[frame["date_start"] <= pd.Timestamp(until)]
    frame = frame.sort_values(["date_start", "date_end", "id"])
    plot = pd.DataFrame({
        "start": frame["date_start"],
        "end": frame["date_end"] + pd.Timedelta(days=1),
        "event": [f"{d:%d %b %Y} · {_slug(i)} [{t[0].replace('_', ' ')}]"
                  for d, i, t in zip(frame["date_start"], frame["id"], frame["tags"])],
        "topic": frame["tags"].map(lambda t: t[0].replace("_", " ")),
        "what happened": frame["event"].map(lambda e: "<br>".join(_wrap(e))),
        "precision": frame["precision"],
        "id": frame["id"],
    })
    fig = px.timeline(plot, x_start="start", x_end="end", y="event", color="topic",
                      hover_data={"what happened": True, "precision": True, "id": True, "event": False},
                      category_orders={"event": list(plot["event"])},
                      title="The dated record in date order (the topic in brackets; hover for what happened)")
    fig.update_yaxes(title=None)  # px lists the first category at the top
    fig.update_layout(height=max(320, 20 * len(plot) + 140), legend_title_text="topic",
                      margin=dict(l=10, r=10, t=60, b=10))
    if (not since or pd.Timestamp(since) <= pd.Timestamp(EDITORIAL_DATE)) and \
            (not until or pd.Timestamp(EDITORIAL_DATE) <= pd.Timestamp(until)):
        fig.add_vline(x=pd.Timestamp(EDITORIAL_DATE).timestamp() * 1000, line_dash="dash", line_color="black")
        fig.add_annotation(x=pd.Timestamp(EDITORIAL_DATE), y=1.0, yref="paper", text="editorial published",
                           showarrow=False, xanchor="left", yanchor="bottom")
    return fig


def _wrap(text: str, width: int = 80) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def claims_table(exercise_id: str = "verdicts-practice") -> pd.DataFrame:
    """The editorial's checkable claims: id, what each asserts and the sentence(s) that carry it.

    No verdicts and no evidence: those are what the student works out (the self-check shows them).

    >>> claims_table().loc["C4", "units"]
    'p02.s1'
    """
    from . import answers
    from .corpus import load_editorial

    doc = load_editorial()
    rows = [{"claim": c.id, "what it asserts": c.claim, "units": ", ".join(c.units),
             "in the editorial": " ".join(doc.unit(u).text for u in c.units)}
            for c in answers.load_key(exercise_id).items]
    return pd.DataFrame(rows).set_index("claim")


class TableView:
    """A table as a lesson shows it: a caption, one header row with no empty cells, and a scrolling
    box that the keyboard can reach (Tab, then the arrow keys) and a screen reader names.

    ``.frame`` is the DataFrame itself, for students who want to sort or filter it.

    >>> view = TableView(claims_table().head(2), "Two claims")
    >>> "<caption>Two claims</caption>" in view._repr_html_(), "<th></th>" in view._repr_html_()
    (True, False)
    """

    def __init__(self, frame: pd.DataFrame, caption: str):
        self.frame = frame
        self.caption = caption

    def _repr_html_(self) -> str:
        import html

        flat = self.frame.reset_index() if self.frame.index.name else self.frame
        table = flat.to_html(index=False, border=0, escape=True, na_rep="")
        table = table.replace(">\n  <thead>", f">\n  <caption>{html.escape(self.caption)}</caption>\n  <thead>", 1)
        label = html.escape(self.caption, quote=True)
        return (f"<div class='kit-table' role='region' aria-label='{label}' tabindex='0' "
                f"style='overflow: auto; max-height: 34em'>{table}</div>")

    def __repr__(self) -> str:
        return f"{self.caption}\n{self.frame!r}"


def show_table(frame: pd.DataFrame, caption: str) -> TableView:
    """Show ``frame`` in a lesson as an accessible table (see :class:`TableView`)."""
    return TableView(frame, caption)
