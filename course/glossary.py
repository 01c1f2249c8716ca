"""The course glossary: each key term as the course spells it, its English original, and the
spellings the course avoids (``content/<course>/glossary.toml``).

It is shipped with the content and read from the files, not loaded into the database: editors
do not change it in the admin. Search reads it to find a term written in either language;
``course/tests/test_glossary.py`` reads it to keep the avoided spellings out of shipped files.
"""

import re
import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings


def read(path):
    """The ``[[term]]`` tables of one glossary file, as dicts."""
    with Path(path).open("rb") as handle:
        return tomllib.load(handle).get("term", [])


@cache
def terms():
    """Every shipped course's terms, read once per process."""
    return tuple(term for path in sorted(Path(settings.CONTENT_DIR).glob("*/glossary.toml")) for term in read(path))


def spellings(term):
    """The ways the content writes a term: the course's spelling and each English name.

    "continuous delivery / continuous deployment (CD)" names three: both phrases and CD.
    """
    english = [name.strip() for name in re.split(r"[/()]", term.get("english", ""))]
    return [spelling for spelling in [term["term"], *english] if spelling]
