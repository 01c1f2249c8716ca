"""Resolve ``[[diagram:…]]``, ``[[pattern:…]]`` and ``[[family:…]]`` against the database.

Models call ``render`` on save and ``problems`` in ``clean``; both look up every
referenced slug with one query per kind.
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.language import speaks_content_language
from course import markdown

# One handler per reference kind, registered once: the ReferenceTarget model whose
# ``reference_kind`` it is (course.models), as Wagtail registers a rich-text link handler.
# A handler gives ``reference_targets()`` (the rows to look slugs up in), ``reference_html(ref)``
# (what the reference renders as) and ``section_field`` (the Section link that lists its uses).
HANDLERS = {}


def register(model):
    HANDLERS[model.reference_kind] = model


def _lookup(found):
    """Map (kind, slug) to the object for every reference in ``found`` that exists."""
    objects = {}
    for kind, model in HANDLERS.items():
        if slugs := {ref.slug for ref in found if ref.kind == kind}:
            objects.update({(kind, obj.slug): obj for obj in model.reference_targets().filter(slug__in=slugs)})
    return objects


_once = ContextVar("rendered_once", default=None)


@contextmanager
def rendering_once():
    """Inside it, a text is rendered once however often it is checked and saved (an import, a
    preview): ``problems`` and ``render`` share the rendering."""
    token = _once.set({})
    try:
        yield
    finally:
        _once.reset(token)


def render(text, inline=False):
    """The text rendered, with the references it makes and those to nothing (``missing``)."""
    once = _once.get()
    if once is not None and (text, inline) in once:
        return once[text, inline]
    found = markdown.find_references(text)
    objects = _lookup(found)
    # The stored HTML is content, in the course's language (Korean) whoever saves it: a figure's
    # "크게 보기" link stays Korean for an editor working in English.
    with translation.override("ko"):
        rendered = markdown.render(text, {key: obj.reference_html for key, obj in objects.items()}, inline=inline)
    rendered.missing = [ref for ref in found if ref.kind in HANDLERS and (ref.kind, ref.slug) not in objects]
    if once is not None:
        once[text, inline] = rendered
    return rendered


# Interface words that a reference's HTML brings into stored content (course/_figure.html), by
# the class of the element that holds them. They are stored in Korean, the content's language
# (``render``), and ``localise`` puts them in the reader's language whenever a page prints the
# content: the stored HTML stays one for all languages. No content can forge these elements, as
# the sanitiser keeps no class on <a> or <p> (course.markdown.ALLOWED_CLASSES).
INTERFACE_WORDS = {
    "diagram__zoom": gettext_noop("크게 보기"),
    "diagram__placeholder-title": gettext_noop("그림을 준비하고 있습니다"),
}
_CLASSES = "|".join(map(re.escape, INTERFACE_WORDS))
_INTERFACE_RE = re.compile(rf'(<[a-z]+ class="({_CLASSES})"[^>]*>)([^<]*)')


def _localised(match):
    words = INTERFACE_WORDS[match[2]]
    translated = _(words)
    if match[3] != words or translated == words:
        return match[0]
    language = translation.get_language()
    return f'{match[1]}<span lang="{escape(language)}">{escape(translated)}</span>'


def localise(html):
    """Stored HTML as a reader reads it: the interface words in it in the reader's language,
    marked with that language (the content around them is lang="ko"). Korean readers get the
    stored HTML itself; for the others it is one substitution over the text, and the page that
    prints it is cached per language (core.cache)."""
    if not html or speaks_content_language():
        return mark_safe(html or "")
    return mark_safe(_INTERFACE_RE.sub(_localised, html))


def problems(text):
    """Messages for everything that would make a broken page; empty when the text is fine."""
    rendered = render(text)
    messages = []
    for ref in rendered.missing:
        message = _(
            "참조한 %(kind)s을(를) 찾을 수 없습니다: [[%(kind_key)s:%(slug)s]] — 슬러그를 확인하거나 먼저 등록하세요."
        ) % {"kind": HANDLERS[ref.kind]._meta.verbose_name, "kind_key": ref.kind, "slug": ref.slug}
        if message not in messages:
            messages.append(message)
    if rendered.remote_images:
        messages.append(_("다른 사이트의 이미지는 넣을 수 없습니다. 그림을 등록한 뒤 [[diagram:슬러그]]로 넣으세요."))
    return messages
