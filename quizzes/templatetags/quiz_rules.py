from django import template

from quizzes.models import questions_needed as needed
from quizzes.services import preview_check_token

register = template.Library()


@register.filter
def questions_needed(pass_mark, total):
    """{{ quiz.pass_mark|questions_needed:count }}: right answers needed to pass."""
    return needed(pass_mark, total)


@register.simple_tag
def preview_check(draft, state):
    """{% preview_check preview state %}: the token a draft's preview's question form posts
    (quizzes.services.preview_check)."""
    return preview_check_token(draft, state.question.pk)
