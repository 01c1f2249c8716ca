"""The English catalogs in locale/en are complete and compiled.

makemessages runs over a copy of the sources, merged into a copy of the committed catalogs
(the real ones are never touched): every message it finds must have an English translation
that is neither empty nor fuzzy, and the committed .mo files must hold exactly what the
.po files say. Interface text outside a translation tag is caught by a scan of the templates
and scripts. Needs the gettext tools (Debian's gettext package, as .ci/run installs).
"""

import contextlib
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
# What makemessages reads: the apps, templates and scripts (content/ is not interface text).
SOURCES = ["config", "core", "course", "learners", "classes", "lti", "quizzes", "templates", "static"]
DOMAINS = ["django", "djangojs"]
HANGUL = re.compile("[가-힣]")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """The catalogs as makemessages leaves them after reading today's sources: domain → .po path."""
    if not shutil.which("xgettext"):
        pytest.fail("xgettext not found: install Debian's gettext package (see .ci/run)")
    copy = tmp_path_factory.mktemp("messages")
    for name in SOURCES:
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(LOCALE, copy / "locale")
    with override_settings(LOCALE_PATHS=[copy / "locale"]), contextlib.chdir(copy):
        for domain in DOMAINS:
            call_command("makemessages", locale=["en"], domain=domain, no_obsolete=True, verbosity=0)
    return {domain: copy / "locale/en/LC_MESSAGES" / f"{domain}.po" for domain in DOMAINS}


def statistics(po):
    """msgfmt's check (placeholders kept, plural forms complete) and its count of each kind of message."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def catalog(po_or_mo, tmp_path):
    """Message → translation, as Django reads it (from a .mo; a .po is compiled first)."""
    mo = Path(po_or_mo)
    if mo.suffix == ".po":
        mo = tmp_path / (mo.stem + ".mo")
        subprocess.run(["msgfmt", "-o", str(mo), str(po_or_mo)], check=True)
    with open(mo, "rb") as f:
        messages = dict(gettext.GNUTranslations(f)._catalog)
    messages.pop("", None)  # the header: its dates differ
    return messages


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_interface_message_has_an_english_translation(fresh, domain):
    counts = statistics(fresh[domain])
    assert re.fullmatch(r"\d+ translated messages?\.", counts), f"{domain}: {counts}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_committed_catalogs_are_current_and_compiled(fresh, domain, tmp_path):
    committed = catalog(LOCALE / "en/LC_MESSAGES" / f"{domain}.mo", tmp_path)
    assert committed, f"{domain}.mo is empty"
    assert catalog(LOCALE / "en/LC_MESSAGES" / f"{domain}.po", tmp_path) == committed, (
        f"{domain}.mo is older than {domain}.po: run `make messages`"
    )
    current = catalog(fresh[domain], tmp_path)
    assert current.keys() == committed.keys(), (
        f"messages changed in the sources: run `make messages`; new: {sorted(current.keys() - committed.keys())[:5]}, "
        f"gone: {sorted(committed.keys() - current.keys())[:5]}"
    )


def interface_text(path):
    """A template or script without what is translated (translation tags, gettext calls) and comments."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".js":
        text = re.sub(r'gettext\("(?:[^"\\]|\\.)*"\)', "", text)
        return re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"{% blocktranslate\b.*?{% endblocktranslate %}", "", text, flags=re.S)
    text = re.sub(r"{% translate .*?%}|{#.*?#}|{% comment %}.*?{% endcomment %}", "", text, flags=re.S)
    return text


def test_no_korean_interface_text_is_left_outside_a_translation():
    files = [
        *(ROOT / "templates").rglob("*.html"),
        *(ROOT / "templates").rglob("*.txt"),
        *(ROOT / "static").rglob("*.js"),
    ]
    untranslated = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in files
        for line in interface_text(path).splitlines()
        if HANGUL.search(line)
    ]
    assert len(files) > 40 and untranslated == []
