"""Ordering: put the items in the right order.

Graded by the longest ordered subset (one of Moodle's ``qtype_ordering`` rules): each item that
belongs to the longest run of items already in their right order relative to each other earns
its share, wherever it stands. Moving the last item to the front leaves the other six in order:
6 of 7, not the 0 of 7 that counting absolute positions gave. An answer keeps the items it was
marked with, so a past answer keeps its grade; a regrade applies this rule."""

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
        in_order = in_longest_order([right.index(given) for given in choices])
        return [
            item("", given.plain, expected.plain, n in in_order)
            for n, (given, expected) in enumerate(zip(choices, right, strict=True))
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


def in_longest_order(ranks):
    """The positions of the longest increasing run of ``ranks`` (items' places in the right order),
    as a set; a lone item is in order with nothing, so a run of one counts as none. Of runs as long,
    the one with more items in their very place is taken, which is how a reader sees it."""

    def merit(run):
        return len(run), sum(ranks[j] == j for j in run)

    best = []  # best[i]: the best run ending at i, as positions
    for i, rank in enumerate(ranks):
        before = [best[j] for j in range(i) if ranks[j] < rank]
        best.append(max(before, key=merit, default=[]) + [i])
    longest = max(best, key=merit, default=[])
    return set(longest) if len(longest) > 1 else set()
