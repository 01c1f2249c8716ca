"""What both content loaders share: reading a TOML file, typed fields with clear errors, one report.

Every entry of a file is read into a small dataclass by these helpers before anything is
saved, so a wrong type or a missing field is refused with the file and the entry at fault.
"""

import re
import tomllib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core import sync

# Control characters other than tab and newline: no text needs them, and PostgreSQL refuses NUL.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text):
    """A text file's text with Unix newlines and no byte-order mark (the lecture and GIFT readers)."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


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


def tables(data, name, where, *, shown=None):
    """The ``[[name]]`` tables of a file or entry, each with the place to name in errors."""
    items, shown = data.get(name, []), shown or name
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ContentError(_("%(where)s: [[%(name)s]]는 표의 목록이어야 합니다.") % {"where": where, "name": shown})
    for index, item in enumerate(items, start=1):
        label = item.get("slug") or item.get("key") or "?"
        yield item, f"{where} [[{shown}]] #{index} ({label})"


def text(entry, key, where, *, required=False):
    """A string field, stripped; "" when absent and not required."""
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise ContentError(_("%(where)s: %(key)s는 문자열이어야 합니다.") % {"where": where, "key": key})
    if required and not value.strip():
        raise ContentError(_("%(where)s: 필수 항목이 없습니다: %(keys)s") % {"where": where, "keys": key})
    return value.strip()


def strings(entry, key, where):
    """A list of strings; [] when absent."""
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ContentError(_("%(where)s: %(key)s는 문자열 목록이어야 합니다.") % {"where": where, "key": key})
    return value


def integer(entry, key, where, *, default, low, high):
    value = entry.get(key, default)
    if type(value) is not int or not low <= value <= high:  # bool is an int too
        raise ContentError(
            _("%(where)s: %(key)s는 %(low)d에서 %(high)d 사이의 정수여야 합니다 (읽은 값: %(value)s).")
            % {"where": where, "key": key, "low": low, "high": high, "value": repr(value)[:40]}
        )
    return value


def boolean(entry, key, where, *, default):
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise ContentError(_("%(where)s: %(key)s는 true 또는 false여야 합니다.") % {"where": where, "key": key})
    return value


def choice(entry, key, where, allowed):
    value = text(entry, key, where, required=True)
    if value not in allowed:
        raise ContentError(
            _("%(where)s: %(key)s '%(value)s'는 쓸 수 없습니다. 쓸 수 있는 값: %(allowed)s")
            % {"where": where, "key": key, "value": value, "allowed": ", ".join(allowed)}
        )
    return value


def upsert(model, slug, values, *, force=False):
    """Create or update the row with this slug from a file's values; returns (obj, sync result)."""
    obj = model.objects.filter(slug=slug).first() or model(slug=slug)
    return obj, sync.apply(obj, values, force=force)
