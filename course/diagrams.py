"""Checking and sanitising diagram files before they are stored.

SVG is a document that can carry script. An uploaded SVG is parsed, stripped to
drawing elements without event handlers or outside references, and re-serialised;
it is also served with a sandboxing Content-Security-Policy (see ``views.diagram_image``).
"""

import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

FORBIDDEN_SVG_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener", "image"}
CSS_OUTSIDE_URL = re.compile(r"url\(\s*['\"]?(?!#)[^)]*\)", re.IGNORECASE)
CSS_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)


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


def _local_name(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _is_outside_reference(value):
    return not value.strip().startswith("#")


def sanitize_svg(data):
    text = data.decode("utf-8", errors="replace")
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise ValidationError(_("DOCTYPE이나 ENTITY 선언이 있는 SVG는 올릴 수 없습니다."))
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise ValidationError(_("SVG 파일을 읽을 수 없습니다: %(error)s") % {"error": error}) from error
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ValidationError(_("SVG 파일의 최상위 요소가 <svg>가 아닙니다."))

    for parent in list(root.iter()):
        for child in list(parent):
            if (
                not isinstance(child.tag, str)
                or not child.tag.startswith(f"{{{SVG_NS}}}")
                or (_local_name(child.tag) in FORBIDDEN_SVG_ELEMENTS)
            ):
                parent.remove(child)
    for element in root.iter():
        for name, value in list(element.attrib.items()):
            local = _local_name(name)
            if (
                local.lower().startswith("on")
                or (local == "href" and _is_outside_reference(value))
                or "javascript:" in value.lower()
                or (local == "style" and CSS_OUTSIDE_URL.search(value))
            ):
                del element.attrib[name]
        if _local_name(element.tag) == "style" and element.text:
            element.text = CSS_OUTSIDE_URL.sub("none", CSS_IMPORT.sub("", element.text))

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
