"""media-literacy-kit: read a state-linked opinion piece critically.

The public surface is small::

    import kit
    doc = kit.load_editorial()        # the editorial as a Document
    record = kit.load_record()        # the dated record of events
    articles = kit.load_articles()    # the comparison coverage (plain objects)
    key = kit.load_key("claims-practice")  # an exercise's reference answers
    table = kit.load_coverage()       # the same coverage as a pandas DataFrame

Importing ``kit`` loads neither pandas nor plotly (the tagging lessons run
in a browser-only edition); :func:`load_coverage` imports pandas when called.
"""

from .answers import load_key
from .corpus import (
    Article,
    Document,
    RecordItem,
    Unit,
    load_articles,
    load_document,
    load_editorial,
    load_record,
    parse_document,
)
from .errors import DataError, KitError
from ._version import __version__
from .segment import Token

__all__ = [
    "Article",
    "__version__",
    "DataError",
    "Document",
    "KitError",
    "RecordItem",
    "Token",
    "Unit",
    "agree",
    "load_articles",
    "load_case",
    "load_coverage",
    "load_document",
    "load_editorial",
    "load_key",
    "load_record",
    "parse_document",
    "show_glossary",
]


def load_case(id_or_folder):
    """A case: a built-in one by id, or a case folder (see :mod:`kit.cases`)."""
    from .cases import load_case as _load_case

    return _load_case(id_or_folder)


def agree(key_a, key_b, *, case=None, out=None):
    """How far two keys agree, and where they do not (see :mod:`kit.agreement`)."""
    from .agreement import agree as _agree

    return _agree(key_a, key_b, case=case, out=out)


def load_coverage(folder=None):
    """The comparison coverage as a pandas DataFrame, one row per article.

    Imports pandas on first call (see :func:`kit.compare.load_coverage`).
    """
    from .compare import load_coverage as _load_coverage

    return _load_coverage(folder)


def show_glossary():
    """The glossary and background as rich output, for front ends where a link to ``glossary.md`` does not open (Colab)."""
    from IPython.display import Markdown

    from .glossary import render_glossary

    return Markdown(render_glossary())
