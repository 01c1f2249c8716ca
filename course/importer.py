"""Import and export lectures written in the lecture-notes markdown style.

The style: a ``### N강`` title line, one ``###`` heading per section, lines in
``**bold**`` used as sub-headings, bullets nested by 3 or 4 spaces, ``<br>`` and
``---`` for spacing, ``<img>`` tags pointing at remote screenshots, and the
occasional table, fenced code block, blockquote or bit of inline HTML.

Parsing turns that into clean markdown (sub-headings become ``##``, lists are
re-indented to 4 spaces, remote images become ``[[diagram:…]]`` references) and
applying it creates or updates the lecture in one transaction, matching sections
by slug so that learners' progress stays attached to the same rows.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core import sync
from core.files import CONTROL_RE, clean_text
from course import markdown, references
from course.models import Diagram, Lecture, Section

# Every pattern here runs in time linear in the line: no two neighbouring parts may match the
# same characters (the audit found headings of spaces taking seconds). Headings are taken
# apart with string methods, and regular expressions only see what is left.
MAX_LECTURE_NUMBER = 9999
MAX_TITLE_LENGTH = 200  # Lecture.title and Section.title
TITLE_RE = re.compile(r"(\d+)\s*강\s*[:.\-–—]?\s*(.*)", re.DOTALL)
ANGLE_HEADING_RE = re.compile(r"^\s*<([^<>/=\"'`]+)>\s*$")
BR_LINE_RE = re.compile(r"^\s*(<br\s*/?>\s*)+$", re.IGNORECASE)
RULE_RE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
LIST_ITEM_RE = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")


class LectureFormatError(Exception):
    """The file cannot be read as a lecture; nothing was changed."""


@dataclass
class RemoteImage:
    url: str
    alt: str
    slug: str = ""


@dataclass
class ParsedSection:
    title: str
    slug: str
    body: str


@dataclass
class ParsedLecture:
    number: int
    title: str
    summary: str
    sections: list[ParsedSection]
    images: list[RemoteImage] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def slug(self):
        return slugify(f"{self.number}강", allow_unicode=True)


@dataclass
class ImportReport:
    lecture: Lecture | None = None
    lecture_created: bool = False
    lecture_updated: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    diagrams_created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def changed(self):
        return bool(
            self.lecture_created or self.lecture_updated or self.created or self.updated or self.retired
            or self.diagrams_created
        )  # fmt: skip

    def lines(self):
        lecture = self.lecture
        status = _("새로 만듦") if self.lecture_created else (_("수정함") if self.lecture_updated else _("변경 없음"))
        lines = [_("%(lecture)s: %(status)s") % {"lecture": lecture.heading, "status": status}]
        for label, items in (
            (_("새 절"), self.created),
            (_("수정한 절"), self.updated),
            (_("그대로인 절"), self.unchanged),
            (_("관리자에서 고친 것이라 그대로 둔 절 (덮어쓰려면 --force)"), self.kept),
            (_("파일에 없어 비공개로 돌린 절"), self.retired),
            (_("새 그림 (로컬 파일 대기)"), self.diagrams_created),
            (_("버린 HTML"), self.dropped),
        ):
            if items:
                lines.append(f"{label} {len(items)}: " + ", ".join(items))
        return lines


# Parsing ---------------------------------------------------------------------


def _split_outside_fences(lines):
    """Yield (line_number, line, in_fence) so section splitting ignores code blocks."""
    fence = None
    for number, line in enumerate(lines, start=1):
        match = markdown.FENCE_RE.match(line)
        if match:
            if fence is None:
                fence = match[1]
                yield number, line, True
                continue
            if match[1] == fence:
                fence = None
                yield number, line, True
                continue
        yield number, line, fence is not None


def _atx_heading(line, *, space_required=True):
    """The text of a ``###`` heading (not ``####``) without its closing hashes, or None."""
    if not line.startswith("###") or line.startswith("####"):
        return None
    rest = line[3:]
    if space_required and not rest[:1].isspace():
        return None
    return rest.strip().rstrip("#").rstrip() or None


def _short_enough(title, line_number):
    """A title that fits its column (200 characters), or a clear error instead of a database's."""
    if len(title) > MAX_TITLE_LENGTH:
        raise LectureFormatError(
            _("%(line)d번째 줄: 제목이 너무 깁니다 (%(length)d자, %(max)d자까지).")
            % {"line": line_number, "length": len(title), "max": MAX_TITLE_LENGTH}
        )
    return title


def _lecture_title(line):
    """``### N강 제목`` → a match of TITLE_RE (number, title), or None."""
    text = _atx_heading(line.strip(), space_required=False)
    return TITLE_RE.fullmatch(text) if text else None


def _sub_heading(line):
    """A ``**bold**`` line, or an ``<한글>`` line, as the notes write sub-headings: its text, or None."""
    text = line.strip()
    if len(text) > 4 and text.startswith("**") and text.endswith("**"):
        return text[2:-2].strip() or None
    angle = ANGLE_HEADING_RE.match(line)
    if angle and any(ord(char) > 127 for char in angle[1]):
        return angle[1].strip()
    return None


IMG_RE = re.compile(r"<img\b([^>]*)/?>", re.IGNORECASE)


def _image_to_reference(match, number, images, dropped):
    """An <img> from another site becomes a diagram reference (the diagram is made on import);
    any other is dropped and reported."""
    attrs = dict(markdown.tag_attributes(match[0]))
    src = attrs.get("src", "")
    # An address naming its scheme stands alone: against an https base, https:host/x would be a path here.
    url = markdown.resolve_url(src, base=None) or markdown.resolve_url(src)
    remote = url is not None and url.protocol in ("http:", "https:") and not markdown.is_local_url(src)
    if remote and len(url.href) <= Diagram._meta.get_field("source_url").max_length:
        image = RemoteImage(url=url.href, alt=attrs.get("alt", "").strip())
        images.append(image)
        return f"\n\n[[diagram:{id(image)}]]\n\n"
    dropped.append(_("%(line)d번째 줄의 이미지 (%(src)s)") % {"line": number, "src": src[:60] or _("src 없음")})
    return ""


def _block_break(line):
    """The markdown for a line that ends any open list (a <br>, a bold sub-heading, a rule), or None."""
    if BR_LINE_RE.match(line):
        return [""]
    if heading := _sub_heading(line):
        return ["", f"## {heading}", ""]
    if RULE_RE.match(line):
        return ["", "---", ""]
    return None


def _list_item(item, stack, out):
    """Append a list item, nested by its indentation relative to the open levels in ``stack``."""
    indent = len(item[1].expandtabs(4))
    while stack and indent < stack[-1]:
        stack.pop()
    if not stack or indent > stack[-1]:
        stack.append(indent)
    if len(stack) == 1 and out and out[-1].strip() and not LIST_ITEM_RE.match(out[-1]):
        out.append("")  # a list right after a paragraph needs a blank line in markdown
    out.append("    " * (len(stack) - 1) + f"{item[2]} {item[3]}")


def _normalise_body(raw_lines, images, dropped):
    """Turn one section's lines into clean markdown (see module docstring)."""
    out = []
    stack = []  # indentation of each open list level
    for number, line, in_fence in raw_lines:
        if in_fence:
            out.append(line.rstrip())
            continue
        line = line.rstrip()
        if (block := _block_break(line)) is not None:
            out.extend(block)
            stack = []
            continue
        line = IMG_RE.sub(lambda match, number=number: _image_to_reference(match, number, images, dropped), line)
        if item := LIST_ITEM_RE.match(line):
            _list_item(item, stack, out)
            continue
        if line.strip() and not line.startswith((" ", "\t")):
            stack = []
        if line.lstrip().startswith("|") and out and out[-1].strip() and not out[-1].lstrip().startswith("|"):
            out.append("")
        out.extend(line.split("\n") if "\n" in line else [line])

    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    while text.endswith("---"):
        text = text[:-3].rstrip()
    return text


def parse_lecture(text):
    """Parse lecture-notes markdown; raise LectureFormatError with the line at fault."""
    text = clean_text(text)
    if control := CONTROL_RE.search(text):
        raise LectureFormatError(
            _("%(line)d번째 줄: 글에 쓸 수 없는 제어 문자(U+%(code)04X)가 있습니다.")
            % {"line": text[: control.start()].count("\n") + 1, "code": ord(control[0])}
        )
    # Inline HTML goes through the pipeline's sanitiser; <img> is turned into diagrams below.
    text, removed = markdown.sanitize_source(text, keep={"img"})
    dropped = [_("%(line)d번째 줄의 %(what)s") % {"line": item.line, "what": item.what} for item in removed]
    lines = text.split("\n")
    first, number, title = _read_title(lines)
    summary_lines, sections = _split_sections(lines, first)
    images = []
    parsed_sections = _parse_sections(sections, images, dropped)
    summary = re.sub(r"\s+", " ", " ".join(line for line in summary_lines if not BR_LINE_RE.match(line))).strip()
    return ParsedLecture(number, title, summary, parsed_sections, images, dropped)


def _read_title(lines):
    """(line number, lecture number, title) of the first line, which must be '### N강 title'."""
    first = next(((n, line) for n, line in enumerate(lines, start=1) if line.strip()), None)
    if first is None:
        raise LectureFormatError(_("파일이 비어 있습니다."))
    title_match = _lecture_title(first[1])
    if not title_match:
        raise LectureFormatError(
            _("%(line)d번째 줄: 첫 제목은 '### N강' 형식이어야 합니다 (읽은 내용: %(text)s)")
            % {"line": first[0], "text": first[1].strip()[:80]}
        )
    number = int(title_match[1])
    if not 1 <= number <= MAX_LECTURE_NUMBER:
        raise LectureFormatError(
            _("%(line)d번째 줄: 강 번호는 1에서 %(max)d 사이여야 합니다 (읽은 번호: %(number)s).")
            % {"line": first[0], "max": MAX_LECTURE_NUMBER, "number": title_match[1][:20]}
        )
    return first[0], number, _short_enough(title_match[2] or f"{number}강", first[0])


def _split_sections(lines, first):
    """(the summary's lines, the sections: title, line and lines) after the title line ``first``."""
    summary_lines, sections, current = [], [], None
    for line_number, line, in_fence in _split_outside_fences(lines[first:]):
        line_number += first
        heading = None if in_fence else _atx_heading(line)
        if heading:
            if _lecture_title(line):
                raise LectureFormatError(
                    _("%(line)d번째 줄: 한 파일에는 강의 제목('### N강')이 하나만 있어야 합니다.")
                    % {"line": line_number}
                )
            current = {"title": _short_enough(heading, line_number), "line": line_number, "lines": []}
            sections.append(current)
        elif current is None:
            summary_lines.append(line)
        else:
            current["lines"].append((line_number, line, in_fence))
    if not sections:
        raise LectureFormatError(_("'###' 제목으로 시작하는 절이 하나도 없습니다."))
    return summary_lines, sections


def _parse_sections(sections, images, dropped):
    """Each section with its slug (unique in the file) and its body as clean markdown."""
    parsed, seen = [], {}
    for section in sections:
        title_text = re.sub(r"\*\*|__", "", section["title"]).strip()
        slug = slugify(title_text, allow_unicode=True)
        if not slug:
            raise LectureFormatError(
                _("%(line)d번째 줄: 절 제목에서 주소(슬러그)를 만들 수 없습니다.") % {"line": section["line"]}
            )
        if slug in seen:
            raise LectureFormatError(
                _("%(line)d번째 줄: '%(title)s' 절이 %(first)d번째 줄에 이미 있습니다. 절 제목은 서로 달라야 합니다.")
                % {"line": section["line"], "title": title_text, "first": seen[slug]}
            )
        seen[slug] = section["line"]
        parsed.append(
            ParsedSection(title=title_text, slug=slug, body=_normalise_body(section["lines"], images, dropped))
        )
    return parsed


# Applying --------------------------------------------------------------------


def _attach_images(parsed, report):
    """Give each remote image a diagram entry (reused by source URL) and a reference."""
    for index, image in enumerate(parsed.images, start=1):
        diagram = Diagram.objects.filter(source_url=image.url).defer("image").first()
        if diagram is None:
            slug = f"lecture-{parsed.number}-figure-{index}"
            title = f"{parsed.number}강 그림 {index}"  # content, in the course's language: not translated
            diagram, created = Diagram.objects.get_or_create(
                slug=slug,
                defaults={"title": title, "alt_text": image.alt or title, "source_url": image.url},
            )
            if created:
                report.diagrams_created.append(slug)
        image.slug = diagram.slug
        for section in parsed.sections:
            section.body = section.body.replace(f"[[diagram:{id(image)}]]", f"[[diagram:{diagram.slug}]]")


def import_lecture(course, text, *, force=False):
    """Create or update one lecture of ``course`` from lecture-notes markdown.

    Runs in one transaction: a file with a format error or a reference to a
    missing diagram or pattern raises LectureFormatError and changes nothing.
    A section edited in the admin since it was last imported is kept unless ``force``.
    """
    parsed = parse_lecture(text)
    report = ImportReport(dropped=parsed.dropped)
    with transaction.atomic(), references.rendering_once():  # checked and saved, each body is rendered once
        _attach_images(parsed, report)
        errors = [
            f"「{section.title}」: {message}"
            for section in parsed.sections
            for message in references.problems(section.body)
        ]
        if errors:
            raise LectureFormatError("\n".join(errors))
        report.lecture = _apply_lecture(course, parsed, report, force)
        _apply_sections(report.lecture, parsed, report, force)
    return report


def _apply_lecture(course, parsed, report, force):
    lecture = Lecture.objects.filter(course=course, number=parsed.number).first() or Lecture(
        course=course, number=parsed.number, slug=parsed.slug
    )
    result = sync.apply(lecture, {"title": parsed.title, "summary": parsed.summary}, force=force)
    report.lecture_created = result == sync.CREATED
    report.lecture_updated = result == sync.UPDATED
    if result == sync.KEPT:
        report.kept.append(str(lecture))
    return lecture


def _apply_sections(lecture, parsed, report, force):
    """The file's sections in its order; a section the file no longer has is unpublished, never deleted."""
    existing = {section.slug: section for section in lecture.sections.all()}
    outcomes = {
        sync.CREATED: report.created,
        sync.UPDATED: report.updated,
        sync.UNCHANGED: report.unchanged,
        sync.KEPT: report.kept,
    }
    for order, incoming in enumerate(parsed.sections, start=1):
        section = existing.pop(incoming.slug, None) or Section(lecture=lecture, slug=incoming.slug)
        values = {"title": incoming.title, "order": order, "body": incoming.body, "is_published": True}
        outcomes[sync.apply(section, values, force=force)].append(incoming.title)
    for section in existing.values():
        # Kept, not deleted: learners' progress points at these rows.
        if section.is_published:
            section.is_published = False
            section.save(update_fields=["is_published", "updated_at"])
            report.retired.append(section.title)


def export_lecture(lecture):
    """Write a lecture back in the lecture-notes style; importing it gives the same content."""
    parts = [f"### {lecture.number}강" + (f" {lecture.title}" if lecture.title != f"{lecture.number}강" else "")]
    if lecture.summary:
        parts.append(lecture.summary)
    for section in lecture.sections.filter(is_published=True):
        body = re.sub(r"^## (.+)$", r"**\1**", section.body, flags=re.MULTILINE)
        parts.append(f"### {section.title}\n\n{body}".rstrip())
    return "\n\n".join(parts) + "\n"
