"""Charts as plain plotly JSON, built without importing plotly, pandas or numpy.

A :class:`Chart` is a figure in plotly's JSON schema (``{"data": [...], "layout": {...}}``) plus a text
alternative: its title, a sentence, and its numbers as a table. The notebook shows it through
``_repr_mimebundle_``:

- ``application/vnd.plotly.v1+json``, which JupyterLab, Notebook 7 and Voila draw with plotly.js from the
  front-end extension installed with the plotly package, and which VS Code draws itself;
- in Colab, which does not draw that mimetype, plotly itself turns the figure into Colab's usual HTML;
- ``text/plain`` always: the text alternative (also ``print(chart)``).

Why not plotly's own figures: importing plotly and pandas, validating the figure and letting plotly's
renderer import nbformat grew a lesson's kernel from about 1x to 2.4x a bare kernel's memory
(``benchmarks/memory.py``). ``chart.to_plotly()`` still gives a real ``plotly.graph_objects.Figure`` to
play with.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"

# plotly.py's "Blues" (ColorBrewer), written out: the "Blues" that plotly.js knows by name runs the other way,
# from dark blue to grey.
BLUES = [[0.0, "rgb(247,251,255)"], [0.125, "rgb(222,235,247)"], [0.25, "rgb(198,219,239)"],
         [0.375, "rgb(158,202,225)"], [0.5, "rgb(107,174,214)"], [0.625, "rgb(66,146,198)"],
         [0.75, "rgb(33,113,181)"], [0.875, "rgb(8,81,156)"], [1.0, "rgb(8,48,107)"]]


@dataclass
class Chart:
    """A plotly figure as JSON, and the same chart as text for readers who cannot see it.

    ``data`` and ``layout`` follow plotly's JSON schema; ``columns`` and ``rows`` are the chart's
    numbers as a table, and ``summary`` says in a sentence what the table cannot (a marked date, a
    mean), both for the text alternative.
    """

    data: list[dict]
    layout: dict
    columns: tuple[str, ...]
    rows: list[tuple]
    summary: str = ""

    @property
    def title(self) -> str:
        """The title as plain text (plotly's <br> and <sup> markup removed)."""
        return plain_text(self.layout.get("title", {}).get("text", ""))

    @property
    def text(self) -> str:
        """The text alternative: the title, the summary and the numbers as an aligned table."""
        parts = [self.title, self.summary, text_table(self.columns, self.rows)]
        return "\n\n".join(p for p in parts if p)

    def to_dict(self) -> dict:
        """The figure as plotly JSON: ``{"data": [...], "layout": {...}}``."""
        return {"data": self.data, "layout": self.layout}

    def to_plotly(self):
        """The same chart as a ``plotly.graph_objects.Figure`` (imports plotly), to restyle or explore it."""
        import plotly.graph_objects as go

        return go.Figure(self.to_dict())

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        if "google.colab" in sys.modules:
            # Colab draws text/html only: plotly writes it the way Colab expects (plotly.js from the CDN).
            import plotly.io

            bundle = plotly.io.renderers["colab"].to_mimebundle(self.to_dict())
        else:
            bundle = {PLOTLY_MIMETYPE: self.to_dict()}
        return {**bundle, "text/plain": self.text}

    def __repr__(self) -> str:
        return self.text


def heatmap(*, z: list[list], x: list[str], y: list[str], text: list[list[str]], title: str, x_title: str,
            y_title: str, hover: str, show_scale: bool = False, height: int | None = None, summary: str = "") -> Chart:
    """A heatmap with its number written in every cell, so that it reads without colour.

    Rows run top to bottom in the order of ``y``, columns left to right in the order of ``x``. The text
    alternative is the same grid as a table (an empty cell reads "0").
    """
    trace = {"type": "heatmap", "z": z, "x": x, "y": y, "text": text, "texttemplate": "%{text}",
             "hovertemplate": hover, "colorscale": BLUES, "showscale": show_scale, "xgap": 2, "ygap": 2}
    layout = {"title": {"text": title},
              "xaxis": axis(x_title, type="category"),
              "yaxis": axis(y_title, type="category", autorange="reversed")}
    if height:
        layout["height"] = height
    rows = [(name, *(cell or "0" for cell in cells)) for name, cells in zip(y, text)]
    return Chart([trace], layout, (y_title, *x), rows, summary)


def axis(title: str, **settings) -> dict:
    """An axis with a title, and a margin that grows to fit its tick labels (plotly.js leaves it fixed)."""
    return {"title": {"text": title}, "automargin": True, **settings}


def vertical_line(x, label: str, *, dash: str = "dash", color: str = "black", side: str = "right") -> tuple[dict, dict]:
    """A line across the plot at ``x`` and its label at the top (plotly's ``add_vline``, as JSON).

    ``side`` is where the label sits, "right" or "left" of the line. Returns (shape, annotation).
    """
    shape = {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "paper",
             "line": {"dash": dash, "color": color}}
    annotation = {"x": x, "xref": "x", "y": 1, "yref": "paper", "text": label, "showarrow": False,
                  "xanchor": "left" if side == "right" else "right", "yanchor": "bottom"}
    return shape, annotation


def plain_text(markup: str) -> str:
    """plotly's small HTML subset as plain text: <br> becomes a space, other tags go."""
    return re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", " ", markup)).strip()


def text_table(columns: tuple[str, ...], rows: list[tuple]) -> str:
    """Rows as an aligned plain-text table under a header and a rule (numbers to two decimals)."""
    def cell(value) -> str:
        if value is None:
            return ""
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    grid = [[plain_text(c) for c in columns]] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in grid) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in grid]
    lines.insert(1, "  ".join("-" * min(w, 40) for w in widths))  # a long text column needs no long rule
    return "\n".join(lines)
