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
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser

import ada_url
import markdown
import nh3
from django.utils.html import escape
from markdown.extensions.toc import slugify_unicode
from pygments.token import STANDARD_TYPES

# No "[" inside a reference: a scan stops at the next one, so unclosed references stay linear.
# Which kinds exist is course.references.HANDLERS's to say; a reference of no kind there stays text.
REFERENCE_RE = re.compile(r"\[\[([a-z]+):([^\[\]|\s]+)(?:\|([^\[\]\n]+))?\]\]")

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
# Inline text (a quiz choice) keeps phrasing elements only; paragraphs and blocks melt away.
INLINE_TAGS = {"a", "abbr", "b", "br", "code", "del", "em", "i", "kbd", "mark", "s", "small", "span", "strong", "sub",
               "sup", "u"}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}


# Where a relative address would resolve; a reserved name no real site has, served either way.
_THIS_SITE = "https://this-site.invalid/"
_THIS_SITE_OVER_HTTP = "http://this-site.invalid/"


def resolve_url(value, base=_THIS_SITE):
    """``value`` resolved the way a browser does (the WHATWG URL standard), or None if it cannot be.

    Browsers read ``\\host``, ``/\\host`` and ``/<tab>/host`` as ``//host``: another site. A
    regular expression over the text misses such forms; the standard's own parser does not.
    """
    try:
        return ada_url.URL(value, base)
    except ValueError:
        return None


def is_local_url(value):
    """Whether a browser would load ``value`` from this site, whichever scheme the page came over.

    Only a relative path does. ``https:evil.example/x`` resolves here on an https page but to
    evil.example on an http one (or in a copy of the HTML read elsewhere); an address that names
    its scheme lands here under one of the two bases at most, and ``//evil.example/x`` under neither.
    """
    for base in (_THIS_SITE, _THIS_SITE_OVER_HTTP):
        url = resolve_url(value, base)
        if url is None or url.origin != base.rstrip("/"):
            return False
    return True


def _keep_attribute(tag, attribute, value):
    # Images load only from this site: a remote src would send readers' requests elsewhere.
    if tag == "img" and attribute == "src" and not is_local_url(value):
        return None
    return value


def sanitize_html(html, inline=False):
    """Keep only the allowlisted tags, attributes, classes and URL schemes (phrasing tags only if inline)."""
    return nh3.clean(
        html,
        tags=INLINE_TAGS if inline else ALLOWED_TAGS,
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
    remote_images: list[str] = field(default_factory=list)  # what a browser would load from elsewhere
    missing: list[Reference] = field(default_factory=list)  # references to nothing (course.references)

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
    return render(text).remote_images


def _remote_images(html):
    parser = _ImageSources()
    parser.feed(html)
    return [source for source in parser.sources if not is_local_url(source)]


UNCLOSED_LIMIT = 20
FENCE_RE = re.compile(r"^\s*(```|~~~)")
BACKTICKS_RE = re.compile(r"`+")
PROTECTED = "\x00{}\x00"  # control characters never reach here (importers refuse them), so this is free


@dataclass
class Dropped:
    line: int
    what: str  # "<tag>", "<tag attribute>" or "<tag> block"


class _SourceSanitizer(HTMLParser):
    """Runs each HTML tag written in markdown source through the pipeline's sanitiser.

    Text between tags is left as written (nh3 would escape the ``>`` that starts a quote);
    a tag keeps what ``sanitize_html`` keeps of it, and the contents of ``<script>`` and its
    kind go with the tag. ``keep`` names tags passed through untouched for a later step.
    """

    def __init__(self, keep):
        super().__init__(convert_charrefs=False)
        self.keep, self.out, self.dropped, self.skipping = keep, [], [], None

    def _drop(self, what, raw=""):
        self.dropped.append(Dropped(self.getpos()[0], what))
        self.out.append("\n" * raw.count("\n"))  # lines keep their numbers

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text()
        if self.skipping:
            self.out.append("\n" * raw.count("\n"))
        elif tag in DROPPED_WITH_CONTENT:
            self.skipping = tag
            self._drop(f"<{tag}> block", raw)
        elif tag in self.keep:
            self.out.append(raw)
        elif ":" in tag:  # a markdown autolink, <https://…>
            self.out.append(raw)
        else:
            self._keep_clean(tag, attrs, raw)

    def _keep_clean(self, tag, attrs, raw):
        cleaned = sanitize_html(raw)
        opening = cleaned[: cleaned.find(">") + 1] if cleaned.startswith(f"<{tag}") else ""
        if not opening:
            self._drop(f"<{tag}>", raw)
            return
        kept = {name for name, _value in tag_attributes(opening)}
        for name, _value in attrs:
            if name not in kept:
                self.dropped.append(Dropped(self.getpos()[0], f"<{tag} {name}>"))
        self.out.append(opening + "\n" * raw.count("\n"))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self.skipping:
            self.skipping = None if tag == self.skipping else self.skipping
        elif tag in ALLOWED_TAGS or tag in self.keep:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append("\n" * data.count("\n") if self.skipping else data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")

    def handle_comment(self, data):
        self.out.append("\n" * data.count("\n"))

    def handle_decl(self, decl):
        self._drop("<!…>", decl)

    def unknown_decl(self, data):
        self._drop("<![…]>", data)

    def handle_pi(self, data):
        self._drop("<?…>", data)


class _StartTag(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.extend((name, value or "") for name, value in attrs)


def tag_attributes(tag_text):
    """The (name, value) pairs of one start tag, read as a browser's tokenizer would."""
    parser = _StartTag()
    parser.feed(tag_text)
    parser.close()
    return parser.found


def _code_spans(line):
    """(start, end) of each inline code span: a run of backticks up to the next run of the same length.

    Linear: each run's partner is looked up in a table built right to left, never searched for.
    """
    runs = [match.span() for match in BACKTICKS_RE.finditer(line)]
    partner, last = [None] * len(runs), {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        partner[index], last[length] = last.get(length), index
    spans, index = [], 0
    while index < len(runs):
        if partner[index] is None:
            index += 1
            continue
        spans.append((runs[index][0], runs[partner[index]][1]))
        index = partner[index] + 1
    return spans


TAG_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/!?")


def _unclosed_tags(text, skip=()):
    """Positions of each ``<`` that starts a tag but meets another ``<`` (or the end) before a ``>``.

    Such a ``<`` starts no tag, and HTML parsers take time quadratic in their number to find
    that out; written as ``&lt;`` it prints the same. One pass; ``skip`` are (start, end) spans.
    """
    skipped = {index for start, end in skip for index in range(start, end)}
    found, pending = [], None
    for index, char in enumerate(text):
        if index in skipped:
            continue
        if char == "<":
            if pending is not None:
                found.append(pending)
            pending = index if text[index + 1 : index + 2] in TAG_START and index + 1 < len(text) else None
        elif char == ">":
            pending = None
    if pending is not None:
        found.append(pending)
    return found


def _replace_at(text, positions, replace):
    """``text`` with the character at each position replaced by ``replace(char)``; one pass, however many."""
    chars = list(text)
    for position in positions:
        chars[position] = replace(chars[position])
    return "".join(chars)


def _escaped(char):
    return "\\" + char


def sanitize_source(text, keep=frozenset()):
    """Markdown source with its inline HTML sanitised by the pipeline's rules, and what was dropped.

    Fenced code and inline code are literal text and stay as written.
    """
    lines, spans = [], []

    def protect(part):
        spans.append(part)
        return PROTECTED.format(len(spans) - 1)

    fence = None
    for line in text.split("\n"):
        match = FENCE_RE.match(line)
        if fence or match:
            lines.append(protect(line))
            if match and (fence is None or match[1] == fence):
                fence = None if fence else match[1]
            continue
        pieces, at = [], 0
        for start, end in _code_spans(line):
            pieces += [line[at:start], protect(line[start:end])]
            at = end
        lines.append("".join(pieces) + line[at:])
    parser = _SourceSanitizer(keep)
    joined = "\n".join(lines)
    parser.feed(_replace_at(joined, _unclosed_tags(joined), lambda _char: "&lt;"))
    parser.close()
    cleaned = re.sub("\x00(\\d+)\x00", lambda m: spans[int(m[1])], "".join(parser.out))
    return cleaned, parser.dropped


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
        fence = FENCE_RE.match(line)
        in_fence = in_fence != bool(fence)
        if fence or in_fence or not line.strip():
            _escape_in(lines, paragraph)
            _escape_code_and_tags_in(lines, paragraph)
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
    by_line = {}
    for index, column in unclosed:
        by_line.setdefault(index, []).append(column)
    for index, columns in by_line.items():
        lines[index] = _replace_at(lines[index], columns, _escaped)


def _escape_code_and_tags_in(lines, paragraph):
    """Escape backticks that open no code span, and (when there are many) ``<`` that open no tag.

    Python-Markdown looks for the end of every unmatched backtick run again after each later
    code span, so a line of them takes time quadratic in its length; escaped, they print the
    same backticks. Code spans stay on one line, so each line is looked at alone.
    """
    for index in paragraph:
        line = lines[index]
        spans = _code_spans(line)
        inside = {position for start, end in spans for position in range(start, end)}
        runs = [run for run in BACKTICKS_RE.finditer(line) if run.start() not in inside]
        line = _replace_at(line, [p for run in runs for p in range(*run.span())], _escaped)
        if runs:
            spans = _code_spans(line.replace("\\`", "  "))
        unclosed = _unclosed_tags(line, spans)
        if len(unclosed) > UNCLOSED_LIMIT:
            line = _replace_at(line, unclosed, lambda _char: "&lt;")
        lines[index] = line


_converters = threading.local()


def _converter():
    """One Markdown converter per thread, reset before each text: building one with its
    extensions costs more than converting a short text (a choice, a feedback line)."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown.Markdown(
            extensions=["tables", "fenced_code", "codehilite", "toc", "sane_lists"],
            extension_configs={
                "codehilite": {"css_class": "highlight", "guess_lang": False},
                "toc": {"slugify": slugify_unicode},
            },
            output_format="html",
        )
    return converter.reset()


def _markdown_to_html(text):
    text = _defuse_unclosed_brackets(text or "")
    if not text.strip():
        return "", []
    converter = _converter()
    html = converter.convert(text)
    # A section's title is the page's h1; headings inside a body start at h2.
    outline = [
        {"id": token["id"], "title": html_module.unescape(token["name"])}
        for token in converter.toc_tokens
        if token["level"] <= 2
    ]
    return re.sub(r"<(/?)h1\b", r"<\1h2", html), outline


def render(text, replacements=None, inline=False):
    """Render markdown to sanitised HTML; ``inline`` for text that sits inside a line (no paragraphs).

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
    remote_images = _remote_images(html)  # before the sanitiser drops them
    html = sanitize_html(html, inline=inline).strip()
    for token, fragment in placeholders.items():
        # A figure on a line of its own must not end up inside a <p>.
        html = html.replace(f"<p>{token}</p>", fragment).replace(token, fragment)
    return Rendered(html=html, references=references, outline=outline, remote_images=remote_images)


def link_html(url, text, title=""):
    title_attr = f' title="{escape(title)}"' if title else ""
    return f'<a class="xref" href="{escape(url)}"{title_attr}>{escape(text)}</a>'
