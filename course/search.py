"""Korean-aware search over sections, patterns, families and diagrams.

Text is folded in Python when content is saved (NFKC, case-folded, whitespace removed) and
stored beside it (``SearchEntry``); a query is folded the same way and each of its words must
occur in an entry. Matching inside words is what Korean needs: 트랜잭션 finds 트랜잭션을
(a particle), 큐 and 파드 match as they are, and 서킷 브레이커 is found without its space. It is plain
``LIKE '%…%'`` on both SQLite and PostgreSQL, so both give the same results.

A query is expanded through the glossary (``expand``): a run of its words that spells a glossary
term, in Korean or English, also matches the term's other spellings, so "api gateway" finds
API 게이트웨이 and 파드 finds pod. Expansion only adds matches: the words as typed still match.

Ranking: a match in the title comes first, then in a sub-heading, then in the text; within
that, course order (lecture, section, sub-heading), then patterns, families and diagrams.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, reduce
from html.parser import HTMLParser
from operator import or_

from django.db.models import Case, F, IntegerField, Q, When
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from core.language import korean
from course import glossary
from course.models import Diagram, Pattern, PatternFamily, SearchEntry, Section, rerendered

MAX_QUERY = 100  # characters; a longer query is cut
MAX_WORDS = 5
SNIPPET = 70  # characters of context on each side of the match, about; a snippet never cuts a word
SPACE = re.compile(r"\s+")


def fold(text):
    """The form stored and matched: NFKC, case-folded, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "").casefold())


def words(query):
    return [w for w in (fold(part) for part in (query or "")[:MAX_QUERY].split()) if w][:MAX_WORDS]


def expand(query):
    """The query as groups of alternatives, each alternative a tuple of folded pieces.

    An entry matches when, for every group, it holds every piece of one of its alternatives.
    The longest run of words that spells a glossary term is one group: the words as typed, or
    one of the term's spellings whole ("api gateway" → api and gateway, or apigateway, or
    api게이트웨이). Any other word is a group of its own. A spelling that holds every typed
    word is left out: the words as typed already match wherever it does.
    """
    terms, groups, start = words(query), [], 0
    while start < len(terms):
        stop = next((n for n in range(len(terms), start, -1) if _key(terms[start:n]) in _spellings()), start + 1)
        run = tuple(terms[start:stop])
        others = [(s,) for s in _spellings().get(_key(run), ()) if not all(word in s for word in run)]
        groups.append([run, *others])
        start = stop
    return groups


def _key(pieces):
    """How a glossary spelling is looked up: folded, and without punctuation (domain-driven, 전달·배포)."""
    return re.sub(r"[\W_]+", "", "".join(pieces))


@cache
def _spellings():
    """The key of each way a glossary term is written → the folded spellings to search for.

    An avoided spelling leads to the term but is not searched for: no content uses it
    (course/tests/test_glossary.py).
    """
    table = {}
    for term in glossary.terms():
        spelled = tuple(dict.fromkeys(fold(spelling) for spelling in glossary.spellings(term)))
        for spelling in [*spelled, *map(fold, term.get("avoid", []))]:
            if key := _key(spelling):
                table[key] = tuple(dict.fromkeys([*table.get(key, ()), *spelled]))
    return table


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
    place: str  # HTML: where it is, in the content's words but a lecture's number (core.language marks them)
    snippet: str  # HTML: escaped, matches marked
    is_published: bool


def find(query, user, limit=20):
    groups = expand(query)
    if not groups:
        return []
    visible = (
        Q(section__in=Section.objects.visible_to(user))
        | Q(diagram__in=Diagram.objects.visible_to(user))
        | Q(kind__in=["pattern", "family"])
    )
    in_title = _holds(groups, "title_folded")
    in_heading = _holds(groups, "heading_folded", "title_folded")
    entries = (
        SearchEntry.objects.filter(_holds(groups, "folded"))
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
    terms = list(dict.fromkeys(piece for group in groups for alternative in group for piece in alternative))
    return [_result(entry, terms) for entry in entries]


def _holds(groups, *fields):
    """Q: every group has an alternative whose every piece is in one of ``fields``."""
    piece_in = lambda piece: reduce(or_, (Q(**{f"{field}__contains": piece}) for field in fields))  # noqa: E731
    return Q(*[reduce(or_, (Q(*map(piece_in, alternative)) for alternative in group)) for group in groups])


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
        where = section.title + (f" › {entry.heading}" if entry.heading else "")
        place = format_html("{} · {}", section.lecture.heading_html, korean(where))
        published = section.is_readable()
    else:
        kind = SearchEntry.Kind(entry.kind).label
        obj = getattr(entry, entry.kind)
        url = obj.get_absolute_url()
        place = korean(obj.family.name) if entry.kind == "pattern" else ""
    title = highlight(entry.title, terms, context=len(entry.title))
    return Result(entry, url, title, kind, place, highlight(entry.text or entry.title, terms), published)


def highlight(text, terms, context=SNIPPET):
    """A snippet around the first match, cut only between words, HTML-escaped, with every match marked."""
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
    spans.sort(key=lambda span: (span[0], -span[1]))  # where matches start together, the longest is marked
    first, last = spans[0] if spans else (0, 0)
    before, after = (context, context) if spans else (0, context * 2)
    begin, end = _between_words(text, first - before, last + after, first, last)
    out, at = ["…" if begin else ""], begin
    for start, stop in spans:
        if start < at or stop > end:
            continue
        out += [escape(text[at:start]), "<mark>", escape(text[start:stop]), "</mark>"]
        at = stop
    out += [escape(text[at:end]), "…" if end < len(text) else ""]
    return mark_safe("".join(out))  # every piece of text above is escaped


def _between_words(text, begin, end, first, last):
    """``begin`` and ``end`` moved to whitespace (or the text's ends) so that no word is cut in half.

    Each moves inwards to the nearest whitespace, or outwards to its word's edge where moving
    inwards would cut into the match (``first`` to ``last``).
    """
    begin, end = max(0, begin), min(len(text), end)
    if begin and not text[begin - 1].isspace():
        space = SPACE.search(text, begin, first)
        begin = space.end() if space else re.search(r"\S*\Z", text[:begin]).start()
    if end < len(text) and not text[end].isspace():
        space = re.search(r"\s+\S*\Z", text[last:end])
        end = last + space.start() if space else end + re.match(r"\S*", text[end:]).end()
    return begin, end
