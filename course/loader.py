"""Load a course shipped as plain files: course.toml, diagrams/, patterns.toml and lecture markdown.

Loading is idempotent: rows are matched by slug and saved only when something
changed, so loading twice reports no changes the second time.
"""

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from course import diagrams as diagram_files
from course import sync
from course.importer import CONTROL_RE, LectureFormatError, import_lecture
from course.models import Course, Diagram, Pattern, PatternFamily


class ContentError(Exception):
    """A shipped file is missing or malformed; the message names the file and the place."""


@dataclass
class LoadReport:
    lines: list[str] = field(default_factory=list)
    changed: int = 0
    kept: list[str] = field(default_factory=list)

    def note(self, changed, message):
        if changed:
            self.changed += 1
            self.lines.append(message)

    def outcome(self, result, label):
        """Record what sync.apply did to one row."""
        if result == sync.KEPT:
            self.kept.append(label)
        self.note(result in (sync.CREATED, sync.UPDATED), _("%(label)s 저장") % {"label": label})

    def kept_line(self):
        if not self.kept:
            return ""
        return _("관리자에서 고친 것이라 그대로 둔 항목 %(count)d개: %(items)s (파일 내용으로 덮어쓰려면 --force)") % {
            "count": len(self.kept),
            "items": ", ".join(self.kept),
        }


def read_toml(path):
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as error:
        raise ContentError(_("파일이 없습니다: %(path)s") % {"path": path}) from error
    except UnicodeDecodeError as error:
        raise ContentError(
            _("%(path)s를 읽을 수 없습니다: UTF-8로 저장된 파일이 아닙니다 (%(position)d번째 바이트).")
            % {"path": path, "position": error.start + 1}
        ) from error
    except tomllib.TOMLDecodeError as error:
        raise ContentError(_("%(path)s를 읽을 수 없습니다: %(error)s") % {"path": path, "error": error}) from error
    _refuse_control_characters(data, path)
    return data


def _refuse_control_characters(value, path):
    """Every string in the file, however deep: PostgreSQL refuses NUL, and no content needs control characters."""
    if isinstance(value, dict):
        for item in value.values():
            _refuse_control_characters(item, path)
    elif isinstance(value, list):
        for item in value:
            _refuse_control_characters(item, path)
    elif isinstance(value, str) and CONTROL_RE.search(value.replace("\r", "")):
        raise ContentError(
            _("%(path)s: 글에 쓸 수 없는 제어 문자가 있습니다: %(text)s") % {"path": path, "text": repr(value[:40])}
        )


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


def upsert(model, slug, values, *, force=False):
    """Create or update the row with this slug from a file's values; returns (obj, sync result)."""
    obj = model.objects.filter(slug=slug).first() or model(slug=slug)
    return obj, sync.apply(obj, values, force=force)


def load_diagrams(directory, report, force=False):
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
        try:
            prepared = diagram_files.prepare(data, path.name)
        except ValidationError as error:
            raise ContentError(f"{where}: {' '.join(error.messages)}") from error
        diagram = Diagram.objects.filter(slug=entry["slug"]).defer("image").first() or Diagram(slug=entry["slug"])
        values = {
            "title": entry["title"],
            "alt_text": entry["alt"],
            "caption": entry.get("caption", ""),
            "credit": entry.get("credit", ""),
            "image_hash": hashlib.sha256(prepared.data).hexdigest(),
        }
        result = sync.apply(
            diagram, values, force=force, before_save=lambda diagram=diagram, prepared=prepared: diagram.store(prepared)
        )
        report.outcome(result, _("그림 %(slug)s") % {"slug": diagram.slug})


def load_patterns(directory, report, force=False):
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
        family, result = upsert(PatternFamily, entry["slug"], values, force=force)
        families[family.slug] = family
        report.outcome(result, _("패턴 분류 %(slug)s") % {"slug": family.slug})

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
        values.update({name: entry.get(name, "").strip() for name in Pattern.markdown_fields})
        pattern, result = upsert(Pattern, entry["slug"], values, force=force)
        patterns[pattern.slug] = pattern
        related[pattern.slug] = (entry.get("related", []), where)
        report.outcome(result, _("패턴 %(slug)s") % {"slug": pattern.slug})

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


def load_course(directory, *, force=False):
    """Load one course folder in a single transaction; raise ContentError and change nothing on errors."""
    directory = Path(directory)
    meta = read_toml(directory / "course.toml")
    require(meta, ["slug", "title"], directory / "course.toml")
    report = LoadReport()
    with transaction.atomic():
        course, result = upsert(
            Course, meta["slug"], {"title": meta["title"], "summary": meta.get("summary", "").strip()}, force=force
        )
        report.outcome(result, _("강좌 %(title)s") % {"title": course.title})
        load_diagrams(directory, report, force)
        load_patterns(directory, report, force)
        for name in meta.get("lectures", []):
            path = directory / name
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
    return course, report
