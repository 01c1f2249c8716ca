"""``{{ section.body_html|content }}``: stored content HTML as the reader reads it, the interface
words a figure brings into it ("크게 보기") in the reader's language (course.references.localise)."""

from django import template

from course.references import localise

register = template.Library()


@register.filter
def content(html):
    return localise(html)
