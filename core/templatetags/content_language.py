"""``{{ section.title|korean }}``: a Korean name inside a translated sentence, marked lang="ko"
when the interface speaks another language (core.language)."""

from django import template

from core import language

register = template.Library()


@register.filter
def korean(text):
    return language.korean(text)
