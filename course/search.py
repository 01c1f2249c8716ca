"""Korean-aware search over sections, patterns, families and diagrams.

Text is folded in Python when content is saved (NFKC, case-folded, whitespace removed) and
stored beside it (``SearchEntry``); a query is folded the same way and each of its words must
occur in an entry. Matching inside words is what Korean needs: 트랜잭션 finds 트랜잭션을
(a particle), 큐 and 파드 match as they are, and 서킷 브레이커 is found without its space. It is plain
``LIKE '%…%'`` on both SQLite and PostgreSQL, so both give the same results.

Ranking: a match in the title comes first, then in a sub-heading, then in the text; within
that, course order (lecture, section, sub-heading), then patterns, families and diagrams.
"""

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

from django.db.models import Case, F, IntegerField, Q, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

from course.models import Diagram, Pattern, PatternFamily, SearchEntry, Section, rerendered

MAX_QUERY = 100  # characters; a longer query is cut
MAX_WORDS = 5
SNIPPET = 70  # characters of context on each side of the match


def fold(text):
    """The form stored and matched: NFKC, case-folded, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "").casefold())


def words(query):
    return [w for w in (fold(part) for part in (query or "")[:MAX_QUERY].split()) if w][:MAX_WORDS]


# Indexing ------------------------------------------------------------------


class _Parts(HTMLParser):
    """A section's rendered HTML cut at its ``<h2 id>`` headings into (anchor, heading, text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = [["", "", []]]
        self.in_heading = False

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.parts.append([dict(attrs).get("id", ""), "", []])
            self.in_heading = True
        elif tag in ("p", "li", "td", "th", "br", "pre", "figcaption", "blockquote"):
            self.parts[-1][2].append(" ")

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_heading = False

    def handle_data(self, data):
        if self.in_heading:
            self.parts[-1][1] += data
        else:
            self.parts[-1][2].append(data)


def _entry(kind, title, heading="", text="", **fields):
    text = re.sub(r"\s+", " ", text).strip()
    return SearchEntry(
        kind=kind,
        title=title[:300],
        heading=heading.strip()[:300],
        text=text,
        title_folded=fold(title)[:300],
        heading_folded=fold(heading)[:300],
        folded="\n".join([fold(title), fold(heading), fold(text)]),  # no word spans the newlines
        **fields,
    )


def _entries(obj):
    if isinstance(obj, Section):
        parser = _Parts()
        parser.feed(obj.body_html)
        return [
            _entry("section", obj.title, heading, "".join(text), section=obj, anchor=anchor, position=n)
            for n, (anchor, heading, text) in enumerate(parser.parts)
            if heading or "".join(text).strip() or n == 0
        ]
    if isinstance(obj, Pattern):
        title = f"{obj.name} {obj.name_en}".strip()
        text = " ".join([obj.intent, *(_plain(getattr(obj, f"{name}_html")) for name in obj.markdown_fields)])
        return [_entry("pattern", title, "", text, pattern=obj)]
    if isinstance(obj, PatternFamily):
        text = f"{obj.intent} {_plain(obj.description_html)}"
        return [_entry("family", f"{obj.name} {obj.name_en}".strip(), "", text, family=obj)]
    if isinstance(obj, Diagram):
        return [_entry("diagram", obj.title, "", f"{obj.caption} {obj.alt_text}", diagram=obj)]
    return []


def _plain(html):
    parser = _Parts()
    parser.feed(html or "")
    return " ".join(" ".join(["", heading, *text]) for _anchor, heading, text in parser.parts)


def index(obj):
    """Replace what the index holds for one section, pattern, family or diagram."""
    field = {Section: "section", Pattern: "pattern", PatternFamily: "family", Diagram: "diagram"}.get(type(obj))
    if field is None or obj.pk is None:
        return
    SearchEntry.objects.filter(**{field: obj}).delete()
    SearchEntry.objects.bulk_create(_entries(obj))


def connect():
    """Keep the index current: every save of indexed content re-indexes it (AppConfig.ready)."""
    from django.db.models.signals import post_save

    for model in (Section, Pattern, PatternFamily, Diagram):
        post_save.connect(_on_save, sender=model, dispatch_uid=f"search-{model.__name__}")
        rerendered.connect(_on_save, sender=model, dispatch_uid=f"search-rerendered-{model.__name__}")


def _on_save(sender, instance, raw=False, **kwargs):
    if not raw:
        index(instance)


def fill_if_empty(sender, using="default", **kwargs):
    """After migrate: an existing site gets its index without a separate step."""
    if not SearchEntry.objects.using(using).exists() and Section.objects.using(using).exists():
        rebuild()


def rebuild():
    SearchEntry.objects.all().delete()
    for model in (Section, Pattern, PatternFamily):
        for obj in model.objects.all():
            SearchEntry.objects.bulk_create(_entries(obj))
    for diagram in Diagram.objects.defer("image"):
        SearchEntry.objects.bulk_create(_entries(diagram))
    return SearchEntry.objects.count()


# Searching -----------------------------------------------------------------


@dataclass
class Result:
    entry: SearchEntry
    url: str
    title: str  # HTML: escaped, matches marked
    kind: str  # the kind's label ("패턴", "그림", …) in the interface language; empty for a lesson
    place: str  # where it is, in the content's words
    snippet: str  # HTML: escaped, matches marked
    is_published: bool


def find(query, user, limit=20):
    terms = words(query)
    if not terms:
        return []
    visible = (
        Q(section__in=Section.objects.visible_to(user))
        | Q(diagram__in=Diagram.objects.visible_to(user))
        | Q(kind__in=["pattern", "family"])
    )
    in_title = Q(*[Q(title_folded__contains=term) for term in terms])
    in_heading = Q(*[Q(heading_folded__contains=term) | Q(title_folded__contains=term) for term in terms])
    entries = (
        SearchEntry.objects.filter(*[Q(folded__contains=term) for term in terms])
        .filter(visible)
        .annotate(tier=Case(When(in_title, then=3), When(in_heading, then=2), default=1, output_field=IntegerField()))
        .select_related("section__lecture__course", "pattern__family", "family", "diagram")
        .only(*RESULT_FIELDS)
        .order_by(
            "-tier",
            F("section__lecture__number").asc(nulls_last=True),
            F("section__order").asc(nulls_last=True),
            "position",
            "id",
        )[:limit]
    )
    return [_result(entry, terms) for entry in entries]


RESULT_FIELDS = [
    *("kind", "anchor", "position", "title", "heading", "text", "section", "pattern", "family", "diagram"),
    *("section__slug", "section__title", "section__is_published", "section__order"),
    *("section__lecture__slug", "section__lecture__number", "section__lecture__title"),
    *("section__lecture__is_published", "section__lecture__course__slug", "section__lecture__course__is_published"),
    *("section__publish_at", "section__unpublish_at", "section__lecture__publish_at", "section__lecture__unpublish_at"),
    *("pattern__slug", "pattern__family__name", "family__slug", "diagram__slug"),
]


def _result(entry, terms):
    kind, place, published = "", "", True
    if entry.kind == "section":
        section = entry.section
        url = section.get_absolute_url() + (f"#{entry.anchor}" if entry.anchor else "")
        place = f"{section.lecture.heading} · {section.title}" + (f" › {entry.heading}" if entry.heading else "")
        published = section.is_readable()
    else:
        kind = SearchEntry.Kind(entry.kind).label
        obj = getattr(entry, entry.kind)
        url = obj.get_absolute_url()
        place = obj.family.name if entry.kind == "pattern" else ""
    title = highlight(entry.title, terms, context=len(entry.title))
    return Result(entry, url, title, kind, place, highlight(entry.text or entry.title, terms), published)


def highlight(text, terms, context=SNIPPET):
    """A snippet around the first match, HTML-escaped, with every match marked."""
    folded, where = [], []  # each folded character, and the index of the original it came from
    for index, char in enumerate(text):
        for piece in unicodedata.normalize("NFKC", char).casefold():
            if not piece.isspace():
                folded.append(piece)
                where.append(index)
    folded = "".join(folded)
    spans = []
    for term in terms:
        start = folded.find(term)
        while start >= 0:
            spans.append((where[start], where[start + len(term) - 1] + 1))
            start = folded.find(term, start + len(term))
    if not spans:
        return escape(text[: context * 2]) + ("…" if len(text) > context * 2 else "")
    spans.sort()
    begin = max(0, spans[0][0] - context)
    end = min(len(text), spans[0][1] + context)
    out, at = ["…" if begin else ""], begin
    for start, stop in spans:
        if start < at or stop > end:
            continue
        out += [escape(text[at:start]), "<mark>", escape(text[start:stop]), "</mark>"]
        at = stop
    out += [escape(text[at:end]), "…" if end < len(text) else ""]
    return mark_safe("".join(out))  # every piece of text above is escaped
