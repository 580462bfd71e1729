"""Class analytics: where the class struggled and agreed, as pandas tables and charts.

pandas is imported inside the table functions, so importing :mod:`kit.grading` stays light; the charts
are :class:`kit.charts.Chart` objects, plotly JSON built without pandas or plotly.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from .. import answers, corpus, scoring
from ..charts import Chart, axis, heatmap, vertical_line
from ..feedback import answer_text
from .results import GradeReport, metric, part_columns

_AGREE = frozenset({"correct", "matched"})
NO_ANSWER = "(no answer)"


def _answer_label(item: scoring.ItemOutcome) -> str:
    """The label a student gave a key item, for tallies."""
    return item.answer or NO_ANSWER


def _context(ex: answers.Exercise, a: Any, width: int = 70) -> str:
    """A short plain-text reminder of what a key item is about."""
    if ex.kind == "sentence":
        text = corpus.load_editorial().unit(a.unit).text
    elif ex.kind == "span":
        text = a.quote
    elif ex.kind == "verdict":
        text = a.claim
    else:
        text = f"{a.item}: {a.field}"
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _explanation(ex: answers.Exercise, a: Any) -> str:
    return a.evidence if ex.kind == "verdict" else a.why


def class_table(report: GradeReport):
    """One row per graded student (the columns of grades.csv), as a pandas DataFrame."""
    import pandas as pd

    parts = part_columns(report.exercise)
    rows = []
    for g in report.graded:
        r = g.result
        row = {"student_id": g.student, "name": g.name, "score": r.score, "max": r.max,
               "percent": round(100 * r.fraction, 2)}
        row.update({c: metric(r.metrics, p) for p, c in parts})
        rows.append(row)
    return pd.DataFrame(rows, columns=["student_id", "name", "score", "max", "percent"] + [c for _, c in parts])


def items_table(report: GradeReport):
    """One row per student and item (the rows of items.csv), with ``label`` and ``agrees`` columns."""
    import pandas as pd

    rows = [{"student_id": g.student, "item": i.item, "outcome": i.outcome, "score": i.score, "max": i.max,
             "answer": answer_text(i), "label": _answer_label(i), "expected": " | ".join(i.expected),
             "agrees": i.outcome in _AGREE}
            for g in report.graded for i in g.result.items]
    return pd.DataFrame(rows, columns=["student_id", "item", "outcome", "score", "max", "answer", "label",
                                       "expected", "agrees"])


def score_histogram(report: GradeReport) -> Chart:
    """Histogram of the class's scores, with the mean and the median marked and labelled."""
    ex = report.exercise
    scores = report.scores
    trace = {"type": "histogram", "x": scores,
             "xbins": {"start": 0, "end": ex.points + 1e-9, "size": max(ex.points / 20, 0.5)},
             "marker": {"color": "#4C78A8", "line": {"color": "white", "width": 1}},
             "hovertemplate": "%{x} points: %{y} students<extra></extra>"}
    layout = {"title": {"text": f"Scores, {ex.title} ({len(scores)} students)"}, "bargap": 0.05,
              "xaxis": axis(f"score (out of {ex.points:g})", range=[0, ex.points]),
              "yaxis": axis("students"), "shapes": [], "annotations": []}
    summary = ""
    if scores:
        mean, median = statistics.fmean(scores), statistics.median(scores)
        for value, name, dash, other in ((mean, "mean", "dash", median), (median, "median", "dot", mean)):
            # the lower of the two is labelled on the left of its line, so the labels do not overlap
            side = "left" if (value, name) < (other, "median") else "right"
            line, label = vertical_line(value, f"{name} {value:.1f}", dash=dash, color="#333", side=side)
            layout["shapes"].append(line)
            layout["annotations"].append(label)
        summary = f"Mean {mean:.1f} (dashed line), median {median:.1f} (dotted line)."
    counts = Counter(scores)
    rows = [(f"{score:g}", counts[score]) for score in sorted(counts)]
    return Chart([trace], layout, ("score", "students"), rows, summary)


def _difficulty(report: GradeReport) -> list[dict]:
    """Per key item: how many of the class agree with the key, hardest first (see :func:`item_difficulty`)."""
    ex, key = report.exercise, report.key
    n = len(report.graded)
    agree: Counter = Counter()
    for g in report.graded:
        for i in g.result.items:
            if i.outcome in _AGREE:
                agree[i.item] += 1
    rows = [{"item": a.id, "text": _context(ex, a), "key": a.labels[0], "agree": agree[a.id],
             "students": n, "share": agree[a.id] / n if n else float("nan")} for a in key.items]
    return sorted(rows, key=lambda r: (r["share"] if n else 0, r["item"]))


def item_difficulty(report: GradeReport):
    """Per key item: the share of the class whose answer agrees with the key, hardest first (DataFrame)."""
    import pandas as pd

    return pd.DataFrame(_difficulty(report), columns=["item", "text", "key", "agree", "students", "share"])


def difficulty_chart(report: GradeReport) -> Chart:
    """Bar chart of :func:`item_difficulty`, hardest item at the top, the share written on each bar."""
    rows = _difficulty(report)
    shares = [None if math.isnan(r["share"]) else r["share"] for r in rows]  # JSON has no NaN
    trace = {"type": "bar", "orientation": "h", "x": shares, "y": [r["item"] for r in rows],
             "text": ["" if s is None else f"{s:.0%}" for s in shares], "textposition": "outside",
             "customdata": [[r["text"], r["key"]] for r in rows],
             "hovertemplate": "%{y}: %{x:.0%} agree with the key (%{customdata[1]})<br>%{customdata[0]}"
                              "<extra></extra>",
             "marker": {"color": "#4C78A8"}}
    layout = {"title": {"text": f"Share of the class agreeing with the key, {report.exercise.title}"},
              "xaxis": axis("share of students", range=[0, 1.12], tickformat=".0%"),
              "yaxis": axis("item", autorange="reversed", type="category"),
              "height": max(360, 18 * len(rows) + 120)}
    table = [(r["item"], f"{r['agree']} of {r['students']}", r["key"], r["text"]) for r in rows]
    return Chart([trace], layout, ("item", "agree with the key", "key", "text"), table)


def _confusion(report: GradeReport) -> tuple[list[str], list[str], Counter]:
    """Key labels (rows), the class's labels (columns) and the count of each (key, class) pair."""
    ex, key = report.exercise, report.key
    accepted = {a.id: a.labels for a in key.items}
    counts: Counter = Counter()
    for g in report.graded:
        for i in g.result.items:
            if i.item not in accepted:
                continue  # extra spans have no key label
            labels = accepted[i.item]
            given = _answer_label(i)
            counts[(labels[0], labels[0] if given in labels else given)] += 1
    order = list(ex.labels)
    rows = [label for label in order if any(k[0] == label for k in counts)] or order
    seen = {k[1] for k in counts}
    cols = [label for label in order if label in seen] + sorted(seen - set(order) - {NO_ANSWER})
    if NO_ANSWER in seen:
        cols.append(NO_ANSWER)
    return rows, cols, counts


def confusion_matrix(report: GradeReport):
    """Key (preferred label) x the class's labels, counting an accepted label as the preferred one.

    Rows follow the exercise's label set; the last column counts items left unanswered
    (for span finding: passages of the key nobody tagged).
    """
    import pandas as pd

    rows, cols, counts = _confusion(report)
    matrix = pd.DataFrame([[counts.get((r, c), 0) for c in cols] for r in rows], index=rows, columns=cols)
    matrix.index.name, matrix.columns.name = "key", "class"
    return matrix


def confusion_heatmap(report: GradeReport) -> Chart:
    """Heatmap of :func:`confusion_matrix` with the count written in every cell."""
    rows, cols, counts = _confusion(report)
    z = [[counts.get((r, c), 0) for c in cols] for r in rows]
    return heatmap(z=z, x=cols, y=rows, text=[[str(n) for n in row] for row in z],
                   title=f"The class's labels against the key, {report.exercise.title}",
                   x_title="label given by students", y_title="key (preferred label)",
                   hover="key %{y}, class %{x}: %{z}<extra></extra>", show_scale=True)


def _unit_values(report: GradeReport) -> tuple[list[str], list[list[str | None]]]:
    """Units (key items) and, per student, the raw label given (None when unanswered)."""
    ids = [a.id for a in report.key.items]
    table = []
    for g in report.graded:
        given = {i.item: _answer_label(i) for i in g.result.items}
        table.append([None if given.get(u, NO_ANSWER) == NO_ANSWER else given[u] for u in ids])
    return ids, table


def class_agreement(reports: GradeReport | Iterable[GradeReport]):
    """Krippendorff's alpha (nominal) across the class, per exercise and per label (DataFrame).

    Sentences, named spans and verdicts: units are the key items, values the labels given
    (unanswered items are missing); then one-against-the-rest per label ("do we agree on
    what is CHECK?"). Grid cells: per field instead of per label. Span finding: units are the
    document's word tokens, coded tagged or not (label-blind), then per technique.
    """
    import pandas as pd

    alpha = scoring.krippendorff_alpha_nominal
    if isinstance(reports, GradeReport):
        reports = [reports]
    rows = []
    for report in reports:
        ex = report.exercise
        n = len(report.graded)

        def add(scope: str, value: float, units: int) -> None:
            rows.append({"exercise": ex.id, "label_set": ex.label_set, "scope": scope, "alpha": value,
                         "students": n, "units": units})

        if ex.kind == "span" and ex.task == "find":
            tokens = corpus.load_editorial().tokens
            starts, ends = [t.start for t in tokens], [t.end for t in tokens]
            covered = []  # per student: label -> the token positions its spans cover ("*": any label)
            for g in report.graded:
                marks: dict[str, set[int]] = defaultdict(set)
                for t in g.tags:
                    lo, hi = bisect.bisect_right(ends, t["start"]), bisect.bisect_left(starts, t["end"])
                    marks[t["label"]].update(range(lo, hi))
                    marks["*"].update(range(lo, hi))
                covered.append(marks)
            positions = range(len(tokens))
            add("all techniques (label-blind)", alpha([[k in m["*"] for k in positions] for m in covered]),
                len(tokens))
            for label in ex.labels:
                add(label, alpha([[k in m.get(label, ()) for k in positions] for m in covered]), len(tokens))
            continue
        ids, table = _unit_values(report)
        add("all labels", alpha(table), len(ids))
        if ex.kind == "cell":
            fields = [a.field for a in report.key.items]
            for f in dict.fromkeys(fields):
                keep = [i for i, ff in enumerate(fields) if ff == f]
                add(f, alpha([[row[i] for i in keep] for row in table]), len(keep))
        else:
            for label in ex.labels:
                add(label, alpha([[None if v is None else v == label for v in row] for row in table]), len(ids))
    return pd.DataFrame(rows, columns=["exercise", "label_set", "scope", "alpha", "students", "units"])


def _entropy(counts: Counter) -> float:
    n = sum(counts.values())
    return -sum(c / n * math.log2(c / n) for c in counts.values() if c) if n else float("nan")


def item_disagreement(report: GradeReport):
    """Per key item: how the class split (majority answer and share, entropy in bits), most disputed first.

    Unanswered items are left out of the split, except in span finding, where not tagging a
    passage is an answer ("(no answer)").
    """
    import pandas as pd

    ex, key = report.exercise, report.key
    tallies: dict[str, Counter] = {a.id: Counter() for a in key.items}
    find = ex.kind == "span" and ex.task == "find"
    for g in report.graded:
        for i in g.result.items:
            if i.item in tallies:
                label = _answer_label(i)
                if label != NO_ANSWER or find:
                    tallies[i.item][label] += 1
    rows = []
    for a in key.items:
        counts = tallies[a.id]
        n = sum(counts.values())
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        top, top_n = ranked[0] if ranked else ("", 0)
        rows.append({"item": a.id, "text": _context(ex, a), "answers": n, "majority": top,
                     "majority_share": top_n / n if n else float("nan"), "entropy": _entropy(counts),
                     "split": " · ".join(f"{c} {lab}" for lab, c in ranked),
                     "key": " or ".join(a.labels), "majority_agrees": top in a.labels})
    frame = pd.DataFrame(rows, columns=["item", "text", "answers", "majority", "majority_share", "entropy", "split",
                                        "key", "majority_agrees"])
    return frame.sort_values(["entropy", "item"], ascending=[False, True], kind="stable").reset_index(drop=True)


def discussion_prompts(report: GradeReport, n: int = 5):
    """The ``n`` most disputed items as discussion prompts, each with the key's explanation (DataFrame)."""
    import pandas as pd

    ex = report.exercise
    items = {a.id: a for a in report.key.items}
    rows = []
    for rec in item_disagreement(report).head(n).itertuples():
        a = items[rec.item]
        rows.append({"item": rec.item, "text": _context(ex, a, width=200), "split": rec.split,
                     "prompt": f"The class split {rec.split}. Which words in the text decide it?",
                     "key": rec.key, "explanation": _explanation(ex, a)})
    return pd.DataFrame(rows, columns=["item", "text", "split", "prompt", "key", "explanation"])


LOOK_NOTE = ("Worth a look, not an accusation: shared uncommon answers or identical notes also come from "
             "working together where that was allowed, sitting together, or the same misreading. Compare the "
             "two files and talk with the students before drawing any conclusion.")


def worth_a_look(report: GradeReport, *, rare_share: float = 0.1, min_shared: int = 4, min_note_chars: int = 20):
    """Pairs of submissions worth a look: several uncommon deviations from the key in common, or an
    identical non-empty note.

    A deviation (an answer the key does not accept, an extra span with its exact offsets) is
    uncommon when at most ``max(2, rare_share x class size)`` students share it; a pair is listed
    when it shares at least ``min_shared`` of them and more than the class's typical pair (mean
    plus four standard deviations over all pairs). Notes are
    compared ignoring case and spacing; notes shorter than ``min_note_chars`` or shared by
    more than that many students are ignored (common phrases). See :data:`LOOK_NOTE`.
    """
    import pandas as pd

    n = len(report.graded)
    limit = max(2, int(rare_share * n))
    who: dict[tuple[str, str], list[str]] = defaultdict(list)
    notes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for g in report.graded:
        for i in g.result.items:
            if i.outcome not in _AGREE and i.answer:
                who[(i.item, answer_text(i))].append(g.student)
        for t in g.tags:
            note = t.get("note") or ""
            norm = " ".join(note.casefold().split())
            if len(norm) >= min_note_chars:
                notes[norm].append((g.student, note))
    pairs: dict[tuple[str, str], dict] = defaultdict(lambda: {"deviations": [], "notes": []})
    for (item, answer), students in who.items():
        if 2 <= len(students) <= limit:
            for a_i, a in enumerate(students):
                for b in students[a_i + 1:]:
                    pairs[(min(a, b), max(a, b))]["deviations"].append(f"{item} → {answer}")
    for norm, holders in notes.items():
        students = sorted({s for s, _ in holders})
        if 2 <= len(students) <= limit:
            for a_i, a in enumerate(students):
                for b in students[a_i + 1:]:
                    pairs[(a, b)]["notes"].append(holders[0][1])
    # Chance alone makes some pairs share a few uncommon answers, more so with many items: a pair
    # counts when it shares at least min_shared and clearly more than the class's typical pair
    # (mean + 4 standard deviations over all pairs, those sharing nothing included).
    shared = [len(set(f["deviations"])) for f in pairs.values()]
    n_pairs = max(1, n * (n - 1) // 2)
    mean = sum(shared) / n_pairs
    sd = math.sqrt(max(0.0, sum(x * x for x in shared) / n_pairs - mean * mean))
    bar = max(min_shared, math.floor(mean + 4 * sd) + 1)
    rows = []
    for (a, b), found in pairs.items():
        devs, same = sorted(set(found["deviations"])), sorted(set(found["notes"]))
        if len(devs) < bar and not same:
            continue
        why = []
        if len(devs) >= bar:
            shown = "; ".join(devs[:4]) + ("; …" if len(devs) > 4 else "")
            why.append(f"{len(devs)} uncommon answers in common ({shown})")
        if same:
            why.append(f"{len(same)} identical note(s) (“{same[0][:80]}”)")
        rows.append({"student_a": a, "student_b": b, "shared_uncommon_answers": len(devs),
                     "identical_notes": len(same), "why_worth_a_look": "; ".join(why)})
    frame = pd.DataFrame(rows, columns=["student_a", "student_b", "shared_uncommon_answers", "identical_notes",
                                        "why_worth_a_look"])
    return frame.sort_values(["shared_uncommon_answers", "identical_notes", "student_a", "student_b"],
                             ascending=[False, False, True, True], kind="stable").reset_index(drop=True)
