"""Load a course shipped as plain files: course.toml, diagrams/, patterns.toml and lecture markdown.

Loading is idempotent: rows are matched by slug and saved only when something
changed, so loading twice reports no changes the second time. Each file's entries are
read into the dataclasses below first (``core.files`` checks every field), so a
malformed file changes nothing.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import files, sync
from core.files import ContentError, LoadReport, read_toml, upsert
from course import diagrams as diagram_files
from course.importer import LectureFormatError, import_lecture
from course.models import Course, Diagram, Pattern, PatternFamily


@dataclass
class DiagramEntry:
    slug: str
    path: Path
    values: dict
    where: str

    @classmethod
    def read(cls, entry, where, folder):
        slug = files.text(entry, "slug", where, required=True)
        values = {
            "title": files.text(entry, "title", where, required=True),
            "alt_text": files.text(entry, "alt", where, required=True),
            "caption": files.text(entry, "caption", where),
            "credit": files.text(entry, "credit", where),
        }
        return cls(slug, folder / files.text(entry, "file", where, required=True), values, where)

    def prepared(self):
        try:
            return diagram_files.prepare(self.path.read_bytes(), self.path.name)
        except FileNotFoundError as error:
            raise ContentError(
                _("%(where)s: 그림 파일이 없습니다: %(path)s") % {"where": self.where, "path": self.path}
            ) from error
        except ValidationError as error:
            raise ContentError(f"{self.where}: {' '.join(error.messages)}") from error


@dataclass
class FamilyEntry:
    slug: str
    values: dict

    @classmethod
    def read(cls, entry, where, order):
        values = {
            "name": files.text(entry, "name", where, required=True),
            "name_en": files.text(entry, "name_en", where),
            "intent": files.text(entry, "intent", where, required=True),
            "description": files.text(entry, "description", where),
            "order": order,
        }
        return cls(files.text(entry, "slug", where, required=True), values)


@dataclass
class PatternEntry:
    slug: str
    family: str
    values: dict
    related: list
    where: str

    @classmethod
    def read(cls, entry, where):
        values = {
            "name": files.text(entry, "name", where, required=True),
            "name_en": files.text(entry, "name_en", where),
            "intent": files.text(entry, "intent", where, required=True),
            **{name: files.text(entry, name, where) for name in Pattern.markdown_fields},
        }
        family = files.text(entry, "family", where, required=True)
        slug = files.text(entry, "slug", where, required=True)
        return cls(slug, family, values, files.strings(entry, "related", where), where)


def load_diagrams(directory, report, force=False):
    manifest = directory / "diagrams" / "diagrams.toml"
    if not manifest.exists():
        return
    data = read_toml(manifest)
    for entry in [DiagramEntry.read(e, where, manifest.parent) for e, where in files.tables(data, "diagram", manifest)]:
        prepared = entry.prepared()
        diagram = Diagram.objects.filter(slug=entry.slug).defer("image").first() or Diagram(slug=entry.slug)
        values = entry.values | {"image_hash": hashlib.sha256(prepared.data).hexdigest()}
        store = lambda diagram=diagram, prepared=prepared: diagram.store(prepared)  # noqa: E731
        report.outcome(
            sync.apply(diagram, values, force=force, before_save=store), _("그림 %(slug)s") % {"slug": diagram.slug}
        )


def load_patterns(directory, report, force=False):
    path = directory / "patterns.toml"
    if not path.exists():
        return
    data = read_toml(path)
    families = [
        FamilyEntry.read(e, where, order) for order, (e, where) in enumerate(files.tables(data, "family", path), 1)
    ]
    entries = [PatternEntry.read(e, where) for e, where in files.tables(data, "pattern", path)]
    known = {family.slug for family in families} | set(PatternFamily.objects.values_list("slug", flat=True))
    for entry in entries:
        if entry.family not in known:
            raise ContentError(
                _("%(where)s: 없는 패턴 분류입니다: %(family)s") % {"where": entry.where, "family": entry.family}
            )
        if unknown := sorted(set(entry.related) - {e.slug for e in entries}):
            raise ContentError(
                _("%(where)s: 없는 관련 패턴입니다: %(slugs)s") % {"where": entry.where, "slugs": ", ".join(unknown)}
            )
    for family in families:
        result = upsert(PatternFamily, family.slug, family.values, force=force)[1]
        report.outcome(result, _("패턴 분류 %(slug)s") % {"slug": family.slug})
    rows, patterns = PatternFamily.objects.in_bulk([entry.family for entry in entries], field_name="slug"), {}
    for entry in entries:
        values = entry.values | {"family": rows[entry.family]}
        patterns[entry.slug], result = upsert(Pattern, entry.slug, values, force=force)
        report.outcome(result, _("패턴 %(slug)s") % {"slug": entry.slug})
    _link_related(entries, patterns, report)


def _link_related(entries, patterns, report):
    for entry in entries:
        wanted = {patterns[other].pk for other in entry.related}
        current = set(patterns[entry.slug].related.values_list("pk", flat=True))
        # The relation is symmetrical: only add, so one entry cannot undo another's link.
        if not wanted <= current:
            patterns[entry.slug].related.add(*wanted)
            report.note(True, _("패턴 %(slug)s의 관련 패턴 저장") % {"slug": entry.slug})


def _load_lecture(course, path, report, force):
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError) as error:
        raise ContentError(
            _("강의 파일을 읽을 수 없습니다: %(path)s (%(error)s)") % {"path": path, "error": error}
        ) from error
    try:
        result = import_lecture(course, text, force=force)
    except LectureFormatError as error:
        raise ContentError(f"{path}: {error}") from error
    report.note(result.changed, "; ".join(result.lines()))
    report.kept.extend(result.kept)


def load_course(directory, *, force=False):
    """Load one course folder in a single transaction; raise ContentError and change nothing on errors."""
    directory = Path(directory)
    meta_path = directory / "course.toml"
    meta = read_toml(meta_path)
    slug = files.text(meta, "slug", meta_path, required=True)
    values = {
        "title": files.text(meta, "title", meta_path, required=True),
        "summary": files.text(meta, "summary", meta_path),
    }
    lectures = files.strings(meta, "lectures", meta_path)
    report = LoadReport()
    with transaction.atomic():
        course, result = upsert(Course, slug, values, force=force)
        report.outcome(result, _("강좌 %(title)s") % {"title": course.title})
        load_diagrams(directory, report, force)
        load_patterns(directory, report, force)
        for name in lectures:
            _load_lecture(course, directory / name, report, force)
    return course, report
