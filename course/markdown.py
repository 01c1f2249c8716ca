"""The one markdown pipeline: markdown → HTML → sanitised HTML, with cross-references.

Content is rendered when it is saved and the result is stored beside the source;
pages print the stored HTML and never call this module per request.

Cross-references are written ``[[diagram:slug]]`` (a figure, on a line of its own),
``[[pattern:slug]]`` and ``[[family:slug]]`` (links; ``[[pattern:slug|text]]`` sets
the link text). They are swapped for placeholders before markdown runs and replaced
by HTML we build ourselves after sanitising, so the sanitiser never has to allow
what a figure or a pattern link needs.
"""

import html as html_module
import re
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser

import ada_url
import markdown
import nh3
from django.utils.html import escape
from markdown.extensions.toc import slugify_unicode
from pygments.token import STANDARD_TYPES

# No "[" inside a reference: a scan stops at the next one, so unclosed references stay linear.
REFERENCE_RE = re.compile(r"\[\[(diagram|pattern|family):([^\[\]|\s]+)(?:\|([^\[\]\n]+))?\]\]")
REFERENCE_KINDS = ("diagram", "pattern", "family")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li",
    "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
}
# Pygments marks tokens with short classes ("k", "s2", …); only those and the
# wrapper class survive, so content cannot borrow the site's own classes.
CODE_CLASSES = {"highlight", *(name for name in STANDARD_TYPES.values() if name)}
ALLOWED_CLASSES = {"div": {"highlight"}, "span": CODE_CLASSES, "code": CODE_CLASSES, "pre": CODE_CLASSES}
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "form", "template", "noscript"}
URL_SCHEMES = {"http", "https", "mailto"}


# Where a relative address would resolve; a reserved name no real site has.
_THIS_SITE = "https://this-site.invalid/"


def resolve_url(value):
    """``value`` resolved the way a browser does (the WHATWG URL standard), or None if it cannot be.

    Browsers read ``\\host``, ``/\\host`` and ``/<tab>/host`` as ``//host``: another site. A
    regular expression over the text misses such forms; the standard's own parser does not.
    """
    try:
        return ada_url.URL(value, _THIS_SITE)
    except ValueError:
        return None


def is_local_url(value):
    """Whether a browser would load ``value`` from this site."""
    url = resolve_url(value)
    return url is not None and url.origin == _THIS_SITE.rstrip("/")


def _keep_attribute(tag, attribute, value):
    # Images load only from this site: a remote src would send readers' requests elsewhere.
    if tag == "img" and attribute == "src" and not is_local_url(value):
        return None
    return value


def sanitize_html(html):
    """Keep only the allowlisted tags, attributes, classes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_keep_attribute,
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


@dataclass
class Reference:
    kind: str
    slug: str
    text: str | None = None


@dataclass
class Rendered:
    html: str
    references: list[Reference] = field(default_factory=list)
    outline: list[dict] = field(default_factory=list)

    @property
    def reading_minutes(self):
        """Minutes to read, at about 500 characters a minute (a common figure for Korean text)."""
        text = re.sub(r"<[^>]+>", "", self.html)
        return max(1, round(len(re.sub(r"\s+", "", text)) / 500))

    def slugs(self, kind):
        return sorted({ref.slug for ref in self.references if ref.kind == kind})


def find_references(text):
    return [Reference(m[1], m[2], m[3]) for m in REFERENCE_RE.finditer(text or "")]


class _ImageSources(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)  # "&#9;" arrives as the tab a browser would see
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.extend(value or "" for name, value in attrs if name == "src")


def find_remote_images(text):
    """The image addresses in ``text`` (markdown or inline HTML) that a browser would load from elsewhere."""
    parser = _ImageSources()
    parser.feed(_markdown_to_html(text or "")[0])
    return [source for source in parser.sources if not is_local_url(source)]


UNCLOSED_LIMIT = 20
FENCE_RE = re.compile(r"^\s*(```|~~~)")


def _defuse_unclosed_brackets(text):
    """Escape the ``[`` and ``(`` that are never closed, in a paragraph that has many of them.

    From every ``[`` (and every ``(`` after ``]``) Python-Markdown looks for the end of a link
    up to the end of the paragraph, so a paragraph of thousands of unclosed brackets takes
    seconds (33 KB of ``[[pattern:a`` took 28 s). Escaped, they print the same and cost nothing.
    Ordinary text has a few at most, and fenced code is left alone; the work here is linear.
    """
    lines = text.split("\n")
    paragraph, in_fence = [], False
    for index, line in enumerate([*lines, ""]):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        if in_fence or not line.strip():
            _escape_in(lines, paragraph)
            paragraph = []
        else:
            paragraph.append(index)
    return "\n".join(lines)


def _escape_in(lines, paragraph):
    open_at = {"[": [], "(": []}
    for index in paragraph:
        line = lines[index]
        for column, char in enumerate(line):
            if column and line[column - 1] == "\\":
                continue
            if char in open_at:
                open_at[char].append((index, column))
            elif char in ("]", ")"):
                opener = "[" if char == "]" else "("
                if open_at[opener]:
                    open_at[opener].pop()
    unclosed = open_at["["] + open_at["("]
    if len(unclosed) <= UNCLOSED_LIMIT:
        return
    for index, column in sorted(unclosed, reverse=True):  # right to left: columns stay valid
        lines[index] = lines[index][:column] + "\\" + lines[index][column:]


def _markdown_to_html(text):
    text = _defuse_unclosed_brackets(text or "")
    converter = markdown.Markdown(
        extensions=["tables", "fenced_code", "codehilite", "toc", "sane_lists"],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False},
            "toc": {"slugify": slugify_unicode},
        },
        output_format="html",
    )
    html = converter.convert(text or "")
    # A section's title is the page's h1; headings inside a body start at h2.
    outline = [
        {"id": token["id"], "title": html_module.unescape(token["name"])}
        for token in converter.toc_tokens
        if token["level"] <= 2
    ]
    return re.sub(r"<(/?)h1\b", r"<\1h2", html), outline


def render(text, replacements=None):
    """Render markdown to sanitised HTML.

    ``replacements`` maps ``(kind, slug)`` to a function taking the Reference and
    returning trusted HTML. References without a replacement are left as text;
    validation (``course.references``) refuses them before anything is saved.
    """
    replacements = replacements or {}
    references = find_references(text)
    nonce = secrets.token_hex(4)
    placeholders = {}

    def to_placeholder(match):
        reference = Reference(match[1], match[2], match[3])
        build = replacements.get((reference.kind, reference.slug))
        if build is None:
            return match[0]
        token = f"xref{nonce}n{len(placeholders)}x"
        placeholders[token] = build(reference)
        return token

    html, outline = _markdown_to_html(REFERENCE_RE.sub(to_placeholder, text or ""))
    html = sanitize_html(html)
    for token, fragment in placeholders.items():
        # A figure on a line of its own must not end up inside a <p>.
        html = html.replace(f"<p>{token}</p>", fragment).replace(token, fragment)
    return Rendered(html=html, references=references, outline=outline)


def link_html(url, text, title=""):
    title_attr = f' title="{escape(title)}"' if title else ""
    return f'<a class="xref" href="{escape(url)}"{title_attr}>{escape(text)}</a>'
