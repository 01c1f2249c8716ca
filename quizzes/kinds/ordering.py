"""Ordering: put the items in the right order; each position right earns its share."""

import random

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quizzes.kinds.base import AnswerError, ItemisedKind, chosen, item, register


@register
class Ordering(ItemisedKind):
    name = "ordering"
    label = gettext_lazy("순서 맞추기")
    position = 60

    def parse(self, question, tokens=(), text="", parts=()):
        tokens = [t for t in tokens if t]
        choices = chosen(question, tokens)
        if len(set(tokens)) != len(tokens):
            raise AnswerError(_("같은 항목을 두 자리에 골랐습니다. 자리마다 다른 항목을 골라 주세요."))
        if len(choices) != len(question.choices.all()):
            raise AnswerError(_("모든 자리에 항목을 골라 주세요."))
        return {"choices": choices}

    def items(self, question, choices, parts):
        right = list(question.choices.all())
        return [
            item("", given.plain, expected.plain, given.pk == expected.pk)
            for given, expected in zip(choices, right, strict=True)
        ]

    def item_problems(self, question, choices):
        texts = [text.strip() for _c, text, _m in choices if text.strip()]
        if len(texts) < 2 or len(texts) != len(choices):
            return [_("순서 맞추기 문제는 내용이 있는 항목이 두 개 이상 있어야 합니다.")]
        if len(set(texts)) != len(texts):
            return [_("순서 맞추기 문제에 같은 항목이 두 번 있습니다.")]
        return []

    def arrange(self, question, choices, seed, shuffle=True):
        """Always shuffled, and never shown already in the right order."""
        choices = list(choices)
        right = list(choices)
        random.Random(f"{seed}:{question.pk}").shuffle(choices)
        if choices == right and len(choices) > 1:
            choices = choices[1:] + choices[:1]
        return choices, []

    def item_name(self, number, label):
        return _("%(n)d번째") % {"n": number}

    def example_post(self, question):
        return {"choice": [c.token for c in question.choices.all()]}
