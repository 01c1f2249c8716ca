"""One term for one idea (issue 12): no shipped file uses a spelling the glossary avoids.

The glossary (content/cloud-native-patterns/glossary.toml) lists, for each key term, the
spelling the course uses and the spellings it does not. Shipped files are everything under
content/, templates/ and static/ that is text, and the Python code of the apps outside their
tests and migrations. The one exception is the ``accepted`` list of a short-answer question:
it names what a learner may type, variant spellings included, so it is not checked.
"""

import tomllib
from pathlib import Path

import pytest

from course import glossary

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "content" / "cloud-native-patterns" / "glossary.toml"
TEXT_DIRS = ("content", "templates", "static")
TEXT_SUFFIXES = {".md", ".toml", ".svg", ".html", ".txt", ".js", ".css"}
APPS = ("course", "quizzes", "learners", "config")
SKIPPED_APP_FOLDERS = {"tests", "migrations"}


def load_glossary(path=GLOSSARY):
    return glossary.read(path)


def shipped_files():
    """Every shipped text file, as a sorted list of paths; the glossary itself is left out."""
    files = set()
    for name in TEXT_DIRS:
        files.update(p for p in (ROOT / name).rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES)
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if not SKIPPED_APP_FOLDERS & set(path.relative_to(ROOT / app).parts[:-1]):
                files.add(path)
    files.discard(GLOSSARY)
    return sorted(files)


def places(path):
    """(where, text) pairs to check: lines of a file, or the string values of a TOML file by key.

    In TOML the ``accepted`` answers are skipped: they list what a learner may type.
    """
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".toml":
        yield from ((f"line {number}", line) for number, line in enumerate(text.splitlines(), start=1))
        return

    def walk(value, where):
        if isinstance(value, dict):
            for key, item in value.items():
                if key != "accepted":
                    yield from walk(item, f"{where}.{key}" if where else key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, f"{where}[{index}]")
        elif isinstance(value, str):
            yield where, value

    yield from walk(tomllib.loads(text), "")


def avoided_spellings(found_in, terms):
    """(where, avoided spelling, preferred term) for every avoided spelling in the (where, text) pairs."""
    return [
        (where, avoid, term["term"])
        for where, text in found_in
        for term in terms
        for avoid in term.get("avoid", [])
        if avoid in text
    ]


@pytest.fixture(scope="module")
def terms():
    return load_glossary()


def test_every_term_has_a_spelling_an_english_name_and_a_list_of_avoided_spellings(terms):
    assert len(terms) >= 20
    for term in terms:
        assert isinstance(term.get("term"), str) and term["term"].strip(), term
        assert isinstance(term.get("english"), str) and term["english"].strip(), term
        avoid = term.get("avoid")
        assert isinstance(avoid, list) and all(isinstance(a, str) and a.strip() for a in avoid), term
    spellings = [term["term"] for term in terms]
    assert len(spellings) == len(set(spellings)), "a term is listed twice"


def test_no_avoided_spelling_is_a_preferred_term_or_part_of_one(terms):
    preferred = [term["term"] for term in terms]
    for term in terms:
        for avoid in term["avoid"]:
            assert avoid not in preferred, f"'{avoid}' is both avoided (for '{term['term']}') and a preferred term"
            clashes = [p for p in preferred if avoid in p]
            assert not clashes, f"avoided '{avoid}' (for '{term['term']}') is part of preferred {clashes}"


def test_no_shipped_file_uses_an_avoided_spelling(terms):
    files = shipped_files()
    assert ROOT / "content" / "cloud-native-patterns" / "lecture-01.md" in files
    problems = []
    for path in files:
        for where, avoid, preferred in avoided_spellings(places(path), terms):
            problems.append(f"{path.relative_to(ROOT)} {where}: '{avoid}' → use '{preferred}'")
    assert not problems, "Spellings the glossary avoids:\n" + "\n".join(problems)


def test_the_check_names_the_place_and_skips_only_accepted_answers(terms, tmp_path):
    bank = tmp_path / "bank.toml"
    bank.write_text('[[quiz]]\nprompt = "쓰로틀링은?"\naccepted = ["스로틀링", "쓰로틀링"]\n', encoding="utf-8")
    assert avoided_spellings(places(bank), terms) == [("quiz[0].prompt", "쓰로틀링", "스로틀링")]
    page = tmp_path / "page.html"
    page.write_text("<p>스로틀링</p>\n<p>쓰로틀링</p>\n", encoding="utf-8")
    assert avoided_spellings(places(page), terms) == [("line 2", "쓰로틀링", "스로틀링")]
    files = shipped_files()
    assert GLOSSARY not in files
    assert not any({"tests", "migrations"} & set(p.relative_to(ROOT).parts) for p in files)
