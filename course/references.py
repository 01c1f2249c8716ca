"""Resolve ``[[diagram:…]]``, ``[[pattern:…]]`` and ``[[family:…]]`` against the database.

Models call ``render`` on save and ``problems`` in ``clean``; both look up every
referenced slug with one query per kind.
"""

from django.apps import apps
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from course import markdown

MODEL_NAMES = {"diagram": "Diagram", "pattern": "Pattern", "family": "PatternFamily"}


def _lookup(found):
    """Map (kind, slug) to the object for every reference in ``found`` that exists."""
    objects = {}
    for kind in markdown.REFERENCE_KINDS:
        slugs = {ref.slug for ref in found if ref.kind == kind}
        if not slugs:
            continue
        queryset = apps.get_model("course", MODEL_NAMES[kind]).objects.filter(slug__in=slugs)
        if kind == "diagram":
            queryset = queryset.defer("image")
        objects.update({(kind, obj.slug): obj for obj in queryset})
    return objects


def _builder(kind, obj):
    if kind == "diagram":
        return lambda ref: render_to_string("course/_figure.html", {"diagram": obj}).strip()
    return lambda ref: markdown.link_html(obj.get_absolute_url(), ref.text or obj.name, obj.intent)


def render(text, inline=False):
    found = markdown.find_references(text)
    objects = _lookup(found)
    # The stored HTML is content, in the course's language (Korean) whoever saves it: a figure's
    # "크게 보기" link stays Korean for an editor working in English.
    with translation.override("ko"):
        return markdown.render(text, {key: _builder(key[0], obj) for key, obj in objects.items()}, inline=inline)


def problems(text):
    """Messages for everything that would make a broken page; empty when the text is fine."""
    found = markdown.find_references(text)
    objects = _lookup(found)
    labels = {kind: apps.get_model("course", name)._meta.verbose_name for kind, name in MODEL_NAMES.items()}
    messages = []
    for ref in found:
        if (ref.kind, ref.slug) not in objects:
            message = _(
                "참조한 %(kind)s을(를) 찾을 수 없습니다: [[%(kind_key)s:%(slug)s]] — 슬러그를 확인하거나 먼저 등록하세요."
            ) % {
                "kind": labels[ref.kind],
                "kind_key": ref.kind,
                "slug": ref.slug,
            }
            if message not in messages:
                messages.append(message)
    if markdown.find_remote_images(text):
        messages.append(_("다른 사이트의 이미지는 넣을 수 없습니다. 그림을 등록한 뒤 [[diagram:슬러그]]로 넣으세요."))
    return messages
