"""kit.charts: plotly JSON without plotly or pandas, shown through the plotly mimetype (plotly's HTML in Colab),
with a title, axis titles and a text alternative on every chart the kit draws."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

from kit import charts, compare, grading
from kit.charts import PLOTLY_MIMETYPE, Chart

HEAVY = ("pandas", "numpy", "plotly")


def small_chart() -> Chart:
    return charts.heatmap(z=[[2, 0], [1, 3]], x=["A (3)", "B (3)"], y=["rioters", "protesters"],
                          text=[["2", ""], ["1", "3"]], title="Words<br><sup>by outlet</sup>", x_title="outlet",
                          y_title="word", hover="%{y}: %{z}<extra></extra>", summary="Two outlets.")


@pytest.fixture(scope="module")
def class_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    grading.write_exports(grading.demo_class(12, 0, "claims-practice"), folder / "in")
    return grading.grade([folder / "in"], exercise="claims-practice", out=folder / "out")


def every_chart(report) -> dict[str, Chart]:
    found = {"record_timeline": compare.record_timeline(),
             "score_histogram": grading.score_histogram(report),
             "difficulty_chart": grading.difficulty_chart(report),
             "confusion_heatmap": grading.confusion_heatmap(report)}
    for by in compare.GROUPINGS:
        found[f"causes_chart {by}"] = compare.causes_chart(by)
        found[f"voices_chart {by}"] = compare.voices_chart(by)
        for kind in compare.WORD_KINDS:
            found[f"words_chart {kind} {by}"] = compare.words_chart(kind, by)
    return found


def test_the_lessons_charts_and_tables_load_neither_plotly_nor_pandas(tmp_path):
    # Lesson 03 whole (timeline and claims table) and every chart of lesson 04 and the grading notebook,
    # built and rendered as a notebook would: none of them may pull in plotly, pandas or numpy.
    code = f"""
import sys
from kit import compare, grading
from IPython.core.formatters import DisplayFormatter
shown = [compare.record_timeline(), compare.show_table(compare.claim_rows(), "claims")]
for by in compare.GROUPINGS:
    shown += [compare.words_chart("people", by), compare.causes_chart(by), compare.voices_chart(by)]
grading.write_exports(grading.demo_class(5, 0, "claims-practice"), {str(tmp_path / "in")!r})
report = grading.grade([{str(tmp_path / "in")!r}], exercise="claims-practice", out={str(tmp_path / "out")!r})
shown += [grading.score_histogram(report), grading.difficulty_chart(report), grading.confusion_heatmap(report)]
bundles = [DisplayFormatter().format(item)[0] for item in shown]
assert all("{PLOTLY_MIMETYPE}" in b or "text/html" in b for b in bundles)
print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_bundle_is_the_plotly_mimetype_and_the_text_alternative():
    chart = small_chart()
    bundle = chart._repr_mimebundle_()
    assert set(bundle) == {PLOTLY_MIMETYPE, "text/plain"}
    figure = bundle[PLOTLY_MIMETYPE]
    assert figure == {"data": chart.data, "layout": chart.layout}
    assert figure["data"][0]["type"] == "heatmap" and figure["data"][0]["colorscale"] == charts.BLUES
    json.dumps(figure, allow_nan=False)  # strict JSON: the kernel's message must carry it as it is
    assert bundle["text/plain"] == chart.text == repr(chart)


def test_the_text_alternative_gives_the_title_the_summary_and_every_number():
    text = small_chart().text
    assert text.splitlines()[:3] == ["Words by outlet", "", "Two outlets."]  # plotly's markup removed
    table = text.split("\n\n")[2].splitlines()
    assert table[0].split() == ["word", "A", "(3)", "B", "(3)"]
    assert table[2].split() == ["rioters", "2", "0"]  # an empty cell reads 0
    assert table[3].split() == ["protesters", "1", "3"]


def test_text_table_aligns_columns_and_rounds_floats():
    assert charts.text_table(("item", "share"), [("p01.s1", 0.5), ("title", 1 / 3), ("p02.s1", None)]) == (
        "item    share\n"
        "------  -----\n"
        "p01.s1  0.50\n"
        "title   0.33\n"
        "p02.s1")


def test_a_vertical_line_is_labelled_on_the_side_asked_for():
    shape, label = charts.vertical_line("2022-01-07", "editorial published")
    assert (shape["x0"], shape["x1"], shape["yref"], shape["line"]["dash"]) == ("2022-01-07", "2022-01-07", "paper",
                                                                                 "dash")
    assert label["text"] == "editorial published" and label["xanchor"] == "left"
    assert charts.vertical_line(3.5, "mean 3.5", side="left")[1]["xanchor"] == "right"


def test_colab_gets_plotlys_html_with_the_same_figure(monkeypatch):
    # Colab does not draw the plotly mimetype; plotly writes its usual HTML (plotly.js from the CDN).
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    chart = small_chart()
    bundle = chart._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    page = bundle["text/html"]
    assert "cdn.plot.ly" in page and "Plotly.newPlot" in page and '"protesters"' in page


def test_every_kit_chart_is_valid_plotly_with_titles_and_a_text_alternative(class_report):
    import plotly.graph_objects as go

    for name, chart in every_chart(class_report).items():
        figure = chart.to_plotly()  # plotly validates every attribute: a misspelt one raises
        assert isinstance(figure, go.Figure), name
        assert [t.type for t in figure.data] == [t["type"] for t in chart.data], name
        assert chart.title, name
        for axis in ("xaxis", "yaxis"):
            assert chart.layout[axis]["title"]["text"], f"{name}: no {axis} title"
        assert chart.rows and all(len(row) == len(chart.columns) for row in chart.rows), name
        assert all(str(row[0]) in chart.text for row in chart.rows), name
        json.dumps(chart.to_dict(), allow_nan=False)


def test_the_timeline_draws_each_event_from_its_first_to_the_end_of_its_last_day():
    from kit import load_record

    chart = compare.record_timeline(since=None, until=None)
    bars = {data[2]: (base, length) for trace in chart.data
            for data, base, length in zip(trace["customdata"], trace["base"], trace["x"])}  # by record id
    assert chart.layout["xaxis"]["type"] == "date" and len(bars) == len(load_record())
    for item in load_record():
        assert bars[item.id] == (item.date_start.isoformat(), ((item.date_end - item.date_start).days + 1) * 86_400_000)


def test_a_table_shows_rows_without_pandas_and_gives_the_frame_on_request():
    rows = [{"claim": "C1", "what it asserts": "x < y & z"}, {"claim": "C2", "what it asserts": None}]
    view = compare.show_table(rows, "Two claims")
    page = view._repr_html_()
    assert "<td>x &lt; y &amp; z</td>" in page and "<td></td>" in page  # escaped; a missing value is empty
    assert "<th>claim</th><th>what it asserts</th>" in page
    assert repr(view).splitlines()[0] == "Two claims"
    assert list(view.frame.columns) == ["claim", "what it asserts"] and len(view.frame) == 2
