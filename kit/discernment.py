"""A pre- and post-test of discernment: does the class read better after the lessons, or only more suspiciously?

Students take a 15-minute worksheet before lesson 01 and another after lesson 04, on two unseen texts
(forms A and B), with the same task both times and no technique names: flag every sentence that tries to
persuade by its wording (``WORDING``), and every claim worth checking. Half the class takes A first and
B second, the other half the reverse, by a stable hash of the student id (:func:`form_order`), so that
the difference between the forms does not pass for learning.

Each test is scored as signal detection against the form's techniques key: signals are the sentences
that carry a technique span, noise the sentences that carry none; flagging a signal is a hit, flagging
noise a false alarm (:func:`kit.scoring.signal_detection`). Discernment is d'; the criterion c says how
readily a student flags at all. A class that only grows suspicious flags more of everything: its false
alarms rise with its hits, d' stays flat and c falls. :func:`report` says so in plain words.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from . import scoring
from .errors import KitError

EXERCISE = "discernment"
#: The two unseen texts the kit ships for the test (forms A and B, in this order): one from each side.
BUILT_IN_FORMS = ("eeas-borrell-2022-01-19", "kremlin-shoigu-2022-01-13")
FLAG = "WORDING"
# Two-sided 95% quantiles of Student's t for 1-30 degrees of freedom (beyond: the normal's 1.96).
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def form_order(student: str, forms: tuple[str, str]) -> tuple[str, str]:
    """(pre form, post form) for a student: half the class one way, half the other, stable across runs."""
    first = int(hashlib.sha256(student.encode("utf-8")).hexdigest()[:8], 16) % 2
    return forms if first == 0 else (forms[1], forms[0])


def assignments(students, forms: tuple[str, str] = BUILT_IN_FORMS) -> list[tuple[str, str, str]]:
    """(student, pre-test form, post-test form) for each student id: what the teacher's plan gives each."""
    forms = tuple(sorted(forms))
    return [(sid, *form_order(sid, forms)) for sid in students]


@dataclass(frozen=True)
class Form:
    """One text of the test: which of its units carry a technique (the signals)."""

    id: str  # the document (case) id the exports name
    units: tuple[str, ...]
    signals: frozenset[str]
    case: object = field(default=None, compare=False, repr=False)

    @classmethod
    def from_case(cls, case, key=None) -> "Form":
        """The form of a case: its signals from ``key`` (a techniques key), else the case's own."""
        key = key if key is not None else case.key("techniques")
        doc = case.document
        signals = {u.id for u in doc.units for s in key.items if s.start < u.end and u.start < s.end}
        return cls(case.id, tuple(u.id for u in doc.units), frozenset(signals), case)

    def score(self, tags) -> scoring.SignalDetection:
        flagged = {t.get("unit") for t in tags if isinstance(t, dict) and t.get("kind") == "sentence"
                   and t.get("label") == FLAG} & set(self.units)
        noise = len(self.units) - len(self.signals)
        return scoring.signal_detection(hits=len(flagged & self.signals), signals=len(self.signals),
                                        false_alarms=len(flagged - self.signals), noise=noise)


@dataclass
class Student:
    id: str
    order: tuple[str, str]  # the forms assigned: (pre, post)
    pre: scoring.SignalDetection | None = None
    post: scoring.SignalDetection | None = None
    forms_taken: list[str] = field(default_factory=lambda: [None, None])
    flags: list[str] = field(default_factory=list)  # e.g. "pre test on the wrong form"

    @property
    def gain(self) -> float | None:
        return self.post.d_prime - self.pre.d_prime if self.pre and self.post else None


@dataclass
class Report:
    students: list[Student]  # with both tests
    only_pre: list[str]
    only_post: list[str]
    rejected: list[tuple[str, str]]  # (file, why)
    summary: dict = field(default_factory=dict)
    verdict: str = ""

    def lines(self) -> list[str]:
        s = self.summary
        out = [f"{s['n']} student(s) with both tests."]
        if s["n"]:
            out.append(f"d' (discernment): {s['d_pre']:.2f} before, {s['d_post']:.2f} after; mean gain "
                       f"{s['gain']:+.2f}" + (f" (95% interval {s['low']:+.2f} to {s['high']:+.2f})"
                                               if s['low'] is not None else "") + f"; {s['improved']} of {s['n']} improved.")
            out.append(f"Hit rate {s['h_pre']:.2f} -> {s['h_post']:.2f}; false-alarm rate {s['f_pre']:.2f} -> "
                       f"{s['f_post']:.2f}; criterion c {s['c_pre']:+.2f} -> {s['c_post']:+.2f}.")
        out.append(self.verdict)
        if self.only_pre or self.only_post:
            out.append(f"Listed apart: only the pre-test {', '.join(self.only_pre) or 'nobody'}; only the post-test "
                       f"{', '.join(self.only_post) or 'nobody'}.")
        out += [f"Not used: {file}: {why}" for file, why in self.rejected]
        out += [f"Flagged: {st.id}: {flag}" for st in self.students for flag in st.flags]
        return out


def _t95(df: int) -> float:
    return _T95[df - 1] if 1 <= df <= len(_T95) else 1.96


def report(pre: dict[str, tuple[str, list]], post: dict[str, tuple[str, list]], forms: dict[str, Form],
           rejected: list[tuple[str, str]] = ()) -> Report:
    """The class report from each student's pre and post tests: student -> (form id, tags)."""
    order_of = tuple(sorted(forms))
    students = []
    for sid in sorted(pre.keys() & post.keys()):
        st = Student(sid, form_order(sid, order_of))
        for n, (test, name) in enumerate(((pre, "pre"), (post, "post"))):
            form_id, tags = test[sid]
            st.forms_taken[n] = form_id
            if form_id != st.order[n]:
                st.flags.append(f"{name}-test taken on form {form_id}, assigned form {st.order[n]}")
            setattr(st, name, forms[form_id].score(tags))
        students.append(st)
    result = Report(students, sorted(pre.keys() - post.keys()), sorted(post.keys() - pre.keys()), list(rejected))
    result.summary, result.verdict = _summary(students)
    return result


def _summary(students: list[Student]) -> tuple[dict, str]:
    n = len(students)
    if n == 0:
        return {"n": 0}, "Nobody took both tests: there is nothing to compare yet."
    gains = [s.gain for s in students]

    def mean(values) -> float:
        return statistics.fmean(values)

    s = {"n": n, "gain": mean(gains), "improved": sum(g > 0 for g in gains),
         "d_pre": mean(st.pre.d_prime for st in students), "d_post": mean(st.post.d_prime for st in students),
         "h_pre": mean(st.pre.hit_rate for st in students), "h_post": mean(st.post.hit_rate for st in students),
         "f_pre": mean(st.pre.false_alarm_rate for st in students),
         "f_post": mean(st.post.false_alarm_rate for st in students),
         "c_pre": mean(st.pre.criterion for st in students), "c_post": mean(st.post.criterion for st in students),
         "low": None, "high": None}
    if n >= 2:
        half = _t95(n - 1) * statistics.stdev(gains) / math.sqrt(n)
        s["low"], s["high"] = s["gain"] - half, s["gain"] + half
    d_h, d_f = s["h_post"] - s["h_pre"], s["f_post"] - s["f_pre"]
    clear_gain = s["low"] is not None and s["low"] > 0
    if n < 10:
        caution = f" With {n} students, take any figure as a hint, not a finding."
    else:
        caution = ""
    if d_h > 0.02 and d_f >= 0.7 * d_h and not clear_gain:
        verdict = ("The class flags more sentences after the lessons, but its false alarms rose about as fast as its "
                   "hits: it has become more suspicious of everything, not more discerning. Go back to the controls: "
                   "sentences that state plain facts in plain words.")
    elif clear_gain:
        verdict = ("The class tells persuasive wording from plain wording better after the lessons (d' rose, and "
                   "the 95% interval of the gain lies above zero).")
        if s["c_post"] < s["c_pre"] - 0.2:
            verdict += " It also flags more readily than before; watch its false alarms."
    elif s["low"] is not None and s["high"] < 0:
        verdict = "The class tells persuasive from plain wording less well after the lessons than before."
    else:
        verdict = "No clear change in discernment: the 95% interval of the mean gain in d' includes zero."
    return s, verdict + caution


def read_tests(paths, forms: dict[str, Form]) -> tuple[dict[str, tuple[str, list]], list[tuple[str, str]]]:
    """Each student's test from exports (files, folders, zips): student -> (form id, tags); and what was
    not used, with why (not valid, another exercise, an unknown form, a second file for one student)."""
    from .grading.submissions import close, collect, parse_bytes
    from .tags import validate_export

    sources = collect(paths)
    found: dict[str, tuple[str, list]] = {}
    rejected = []
    seen: dict[str, str] = {}
    try:
        for source in sources:
            try:
                data = parse_bytes(source.read())
            except KitError as exc:
                rejected.append((source.name, str(exc)))
                continue
            document = data.get("document") if isinstance(data, dict) else None
            form = forms.get(document.get("id")) if isinstance(document, dict) else None
            if form is None:
                rejected.append((source.name, f"not a test on either form ({', '.join(sorted(forms))})"))
                continue
            problems = validate_export(data, exercise=EXERCISE, case=form.case)
            if problems:
                rejected.append((source.name, problems[0].message))
                continue
            sid = data["student"]["id"]
            if sid in seen:
                rejected.append((source.name, f"a second file for {sid} in this test (the first: {seen[sid]}); "
                                              "neither is used until one is removed"))
                found.pop(sid, None)
                continue
            seen[sid] = source.name
            found[sid] = (data["document"]["id"], data["tags"])
    finally:
        close(sources)
    return found, rejected


def demo_tests(forms: dict[str, Form], folder: str | Path, n: int = 30, *, before: tuple[float, float] = (0.45, 0.30),
               after: tuple[float, float] = (0.80, 0.15), seed: int = 0) -> tuple[Path, Path]:
    """A simulated class of ``n`` for trying the report: ``folder/pre`` and ``folder/post`` hold each
    student's export, flagging a signal with probability H and a plain sentence with F ((H, F) before and
    after the lessons), on the form the plan assigns. Returns the two folders."""
    import json
    import random

    from ._version import __version__
    from .tags import FORMAT

    rng = random.Random(seed)
    folder = Path(folder)
    for i in range(n):
        sid = f"s{i:03d}"
        for test, form_id, (h, f) in zip(("pre", "post"), form_order(sid, tuple(sorted(forms))), (before, after)):
            form = forms[form_id]
            flagged = sorted(u for u in form.units if rng.random() < (h if u in form.signals else f))
            export = {"format": FORMAT, "version": 1, "kit_version": __version__, "exercise": EXERCISE,
                      "document": {"id": form.id, "sha256": form.case.document.sha256}, "student": {"id": sid},
                      "saved_at": "2026-02-01T10:00:00Z",
                      "tags": [{"kind": "sentence", "unit": u, "label": FLAG, "checkworthy": False, "note": ""}
                               for u in flagged]}
            (folder / test).mkdir(parents=True, exist_ok=True)
            (folder / test / f"{sid}.json").write_text(json.dumps(export), encoding="utf-8")
    return folder / "pre", folder / "post"


def discernment(pre_paths, post_paths, forms: dict[str, Form], out: str | Path | None = None) -> Report:
    pre, rejected_pre = read_tests(pre_paths, forms)
    post, rejected_post = read_tests(post_paths, forms)
    result = report(pre, post, forms, [(f, f"pre: {w}") for f, w in rejected_pre] +
                    [(f, f"post: {w}") for f, w in rejected_post])
    if out is not None:
        write(result, Path(out))
    return result


def write(result: Report, out: Path) -> list[Path]:
    """students.csv and summary.txt in ``out`` (never replacing a file)."""
    from ._io import atomic_write_bytes
    from .grading.gradebook import csv_bytes

    rows = [["student", "pre_form", "post_form", "assigned_order", "H_pre", "F_pre", "d_pre", "c_pre", "H_post",
             "F_post", "d_post", "c_post", "gain_d", "flags"]]
    for st in result.students:
        rows.append([st.id, st.forms_taken[0], st.forms_taken[1], " then ".join(st.order), st.pre.hit_rate,
                     st.pre.false_alarm_rate, st.pre.d_prime, st.pre.criterion, st.post.hit_rate,
                     st.post.false_alarm_rate, st.post.d_prime, st.post.criterion, st.gain, "; ".join(st.flags)])
    for sid in result.only_pre:
        rows.append([sid, "", "", "", *[None] * 9, "only the pre-test"])
    for sid in result.only_post:
        rows.append([sid, "", "", "", *[None] * 9, "only the post-test"])
    paths = [out / "students.csv", out / "summary.txt"]
    atomic_write_bytes(paths[0], csv_bytes(rows))
    atomic_write_bytes(paths[1], ("\n".join(result.lines()) + "\n").encode("utf-8"))
    return paths


def charts(result: Report):
    """Two charts (kit.charts.Chart): d' before against after, per student; hit rate against false-alarm rate."""
    from .charts import Chart, axis

    st = result.students
    dotted = {"dash": "dot", "color": "#888"}
    pre, post = [s.pre.d_prime for s in st], [s.post.d_prime for s in st]
    low, high = min(pre + post + [0]), max(pre + post + [1])
    before = Chart(
        [{"type": "scatter", "mode": "markers", "name": "students", "x": pre, "y": post, "text": [s.id for s in st],
          "hovertemplate": "%{text}: %{x:.2f} before, %{y:.2f} after<extra></extra>"},
         {"type": "scatter", "mode": "lines", "name": "no change", "x": [low, high], "y": [low, high], "line": dotted}],
        {"title": {"text": "Discernment (d') before and after the lessons: above the line, better"},
         "xaxis": axis("d' before"), "yaxis": axis("d' after")},
        ("student", "d' before", "d' after"), [(s.id, s.pre.d_prime, s.post.d_prime) for s in st],
        "Points above the dotted line (no change) are students who discern better after the lessons.")
    traces = []
    for name, get, symbol in (("before", lambda s: s.pre, "circle-open"), ("after", lambda s: s.post, "circle")):
        traces.append({"type": "scatter", "mode": "markers", "name": name, "marker": {"symbol": symbol, "size": 9},
                       "x": [get(s).false_alarm_rate for s in st], "y": [get(s).hit_rate for s in st],
                       "text": [s.id for s in st],
                       "hovertemplate": "%{text}: H %{y:.2f}, F %{x:.2f}<extra>" + name + "</extra>"})
    traces.append({"type": "scatter", "mode": "lines", "name": "guessing (H = F)", "x": [0, 1], "y": [0, 1],
                   "line": dotted})
    rates = Chart(
        traces,
        {"title": {"text": "Hits against false alarms: up is better, right is more suspicious"},
         "xaxis": axis("false-alarm rate F", range=[0, 1]),
         "yaxis": axis("hit rate H", range=[0, 1])},
        ("student", "H before", "F before", "H after", "F after"),
        [(s.id, s.pre.hit_rate, s.pre.false_alarm_rate, s.post.hit_rate, s.post.false_alarm_rate) for s in st],
        "On the dotted line a student flags signals and noise alike, as guessing would.")
    return before, rates
