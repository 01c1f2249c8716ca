"""Checking and sanitising diagram files before they are stored.

SVG is a document that can carry script. An uploaded SVG is parsed safely and keeps only
listed elements, attributes and CSS (``course.svg``), then is re-serialised; it is also
served with a sandboxing Content-Security-Policy (see ``views.diagram_image``).
"""

import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from course import svg


@dataclass
class PreparedImage:
    data: bytes
    content_type: str
    width: int | None = None
    height: int | None = None


def prepare(data, filename=""):
    if not data:
        raise ValidationError(_("파일이 비어 있습니다."))
    if len(data) > settings.DIAGRAM_MAX_BYTES:
        raise ValidationError(
            _("파일이 너무 큽니다. %(limit)d KB 이하로 올려 주세요.") % {"limit": settings.DIAGRAM_MAX_BYTES // 1024}
        )
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 24:
        width, height = struct.unpack(">II", data[16:24])
        return PreparedImage(data, "image/png", width, height)
    if data.startswith(b"\xff\xd8\xff"):
        return PreparedImage(data, "image/jpeg")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return PreparedImage(data, "image/webp")
    if b"<svg" in data[:4096]:
        return sanitize_svg(data)
    raise ValidationError(_("SVG, PNG, JPEG, WebP 파일만 올릴 수 있습니다."))


def sanitize_svg(data):
    try:
        root = svg.sanitize(data)
    except svg.UnsafeSvg as error:
        raise ValidationError(str(error)) from error
    width, height = _svg_size(root)
    cleaned = ET.tostring(root, encoding="unicode").encode("utf-8")
    return PreparedImage(cleaned, "image/svg+xml", width, height)


def _svg_size(root):
    def number(value):
        match = re.match(r"\s*([0-9.]+)\s*(px)?\s*$", value or "")
        return round(float(match[1])) if match else None

    width, height = number(root.get("width")), number(root.get("height"))
    if (width is None or height is None) and root.get("viewBox"):
        parts = re.split(r"[\s,]+", root.get("viewBox").strip())
        if len(parts) == 4:
            width, height = number(parts[2]), number(parts[3])
    return width, height
