from django import template

from quizzes.models import questions_needed as needed

register = template.Library()


@register.filter
def questions_needed(pass_mark, total):
    """{{ quiz.pass_mark|questions_needed:count }}: right answers needed to pass."""
    return needed(pass_mark, total)
