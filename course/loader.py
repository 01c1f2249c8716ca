"""Load a course shipped as plain files: course.toml, diagrams/, patterns.toml and lecture markdown.

Loading is idempotent: rows are matched by slug and saved only when something
changed, so loading twice reports no changes the second time.
"""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from course.importer import LectureFormatError, import_lecture
from course.models import Course, Diagram, Pattern, PatternFamily


class ContentError(Exception):
    """A shipped file is missing or malformed; the message names the file and the place."""


@dataclass
class LoadReport:
    lines: list[str] = field(default_factory=list)
    changed: int = 0

    def note(self, changed, message):
        if changed:
            self.changed += 1
            self.lines.append(message)


def read_toml(path):
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as error:
        raise ContentError(_("파일이 없습니다: %(path)s") % {"path": path}) from error
    except tomllib.TOMLDecodeError as error:
        raise ContentError(_("%(path)s를 읽을 수 없습니다: %(error)s") % {"path": path, "error": error}) from error


def require(entry, keys, where):
    missing = [key for key in keys if not entry.get(key)]
    if missing:
        raise ContentError(
            _("%(where)s: 필수 항목이 없습니다: %(keys)s") % {"where": where, "keys": ", ".join(missing)}
        )


def update_fields(obj, values):
    """Set values on obj; return True when any differed (the caller then saves)."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name, None) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def upsert(model, slug, values, **lookup):
    obj = model.objects.filter(slug=slug, **lookup).first()
    if obj is None:
        obj = model(slug=slug, **lookup)
        update_fields(obj, values)
        obj.save()
        return obj, True
    if update_fields(obj, values):
        obj.save()
        return obj, True
    return obj, False


def load_diagrams(directory, report):
    manifest = directory / "diagrams" / "diagrams.toml"
    if not manifest.exists():
        return
    for index, entry in enumerate(read_toml(manifest).get("diagram", []), start=1):
        where = f"{manifest} [[diagram]] #{index}"
        require(entry, ["slug", "file", "title", "alt"], where)
        path = manifest.parent / entry["file"]
        try:
            data = path.read_bytes()
        except FileNotFoundError as error:
            raise ContentError(
                _("%(where)s: 그림 파일이 없습니다: %(path)s") % {"where": where, "path": path}
            ) from error
        diagram = Diagram.objects.filter(slug=entry["slug"]).first() or Diagram(slug=entry["slug"])
        changed = update_fields(
            diagram,
            {
                "title": entry["title"],
                "alt_text": entry["alt"],
                "caption": entry.get("caption", ""),
                "credit": entry.get("credit", ""),
            },
        )
        before = diagram.image_hash
        try:
            diagram.set_image(data, path.name)
        except ValidationError as error:
            raise ContentError(f"{where}: {' '.join(error.messages)}") from error
        if changed or before != diagram.image_hash or diagram.pk is None:
            diagram.save()
            report.note(True, _("그림 %(slug)s 저장") % {"slug": diagram.slug})


def load_patterns(directory, report):
    path = directory / "patterns.toml"
    if not path.exists():
        return
    data = read_toml(path)
    families = {}
    for order, entry in enumerate(data.get("family", []), start=1):
        require(entry, ["slug", "name", "intent"], f"{path} [[family]] #{order}")
        values = {
            "name": entry["name"],
            "name_en": entry.get("name_en", ""),
            "intent": entry["intent"],
            "description": entry.get("description", "").strip(),
            "order": order,
        }
        family, changed = upsert(PatternFamily, entry["slug"], values)
        families[family.slug] = family
        report.note(changed, _("패턴 분류 %(slug)s 저장") % {"slug": family.slug})

    patterns, related = {}, {}
    for index, entry in enumerate(data.get("pattern", []), start=1):
        where = f"{path} [[pattern]] #{index} ({entry.get('slug', '?')})"
        require(entry, ["slug", "name", "family", "intent"], where)
        family = families.get(entry["family"]) or PatternFamily.objects.filter(slug=entry["family"]).first()
        if family is None:
            raise ContentError(
                _("%(where)s: 없는 패턴 분류입니다: %(family)s") % {"where": where, "family": entry["family"]}
            )
        values = {
            "name": entry["name"],
            "name_en": entry.get("name_en", ""),
            "family": family,
            "intent": entry["intent"],
        }
        values.update({name: entry.get(name, "").strip() for name in Pattern.MARKDOWN_FIELDS})
        pattern, changed = upsert(Pattern, entry["slug"], values)
        patterns[pattern.slug] = pattern
        related[pattern.slug] = (entry.get("related", []), where)
        report.note(changed, _("패턴 %(slug)s 저장") % {"slug": pattern.slug})

    for slug, (others, where) in related.items():
        unknown = [other for other in others if other not in patterns]
        if unknown:
            raise ContentError(
                _("%(where)s: 없는 관련 패턴입니다: %(slugs)s") % {"where": where, "slugs": ", ".join(unknown)}
            )
        wanted = {patterns[other].pk for other in others}
        current = set(patterns[slug].related.values_list("pk", flat=True))
        # The relation is symmetrical: only add, so one entry cannot undo another's link.
        if not wanted <= current:
            patterns[slug].related.add(*wanted)
            report.note(True, _("패턴 %(slug)s의 관련 패턴 저장") % {"slug": slug})


def load_course(directory):
    """Load one course folder in a single transaction; raise ContentError and change nothing on errors."""
    directory = Path(directory)
    meta = read_toml(directory / "course.toml")
    require(meta, ["slug", "title"], directory / "course.toml")
    report = LoadReport()
    with transaction.atomic():
        course, changed = upsert(
            Course, meta["slug"], {"title": meta["title"], "summary": meta.get("summary", "").strip()}
        )
        report.note(changed, _("강좌 %(title)s 저장") % {"title": course.title})
        load_diagrams(directory, report)
        load_patterns(directory, report)
        for name in meta.get("lectures", []):
            path = directory / name
            try:
                text = path.read_text(encoding="utf-8")
            except (FileNotFoundError, UnicodeDecodeError) as error:
                raise ContentError(
                    _("강의 파일을 읽을 수 없습니다: %(path)s (%(error)s)") % {"path": path, "error": error}
                ) from error
            try:
                result = import_lecture(course, text)
            except LectureFormatError as error:
                raise ContentError(f"{path}: {error}") from error
            report.note(result.changed, "; ".join(result.lines()))
    return course, report
