"""Pick one: one right choice of several, shuffled."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quizzes import gift
from quizzes.kinds.base import ChoiceKind, Unsupported, gift_markdown, register


@register
class Single(ChoiceKind):
    name = "single"
    label = gettext_lazy("하나 고르기")
    position = 10

    def gift_weight(self, choice, right):
        return 100 if choice.is_correct else 0

    def to_gift(self, question, out):
        choices = list(question.choices.all())
        right = sum(c.is_correct for c in choices)
        out.kind = self.name
        out.answers = [
            gift.GiftAnswer(text=c.text, weight=self.gift_weight(c, right), feedback=c.feedback) for c in choices
        ]

    def from_gift(self, question):
        if any(0 < a.weight < 100 for a in question.answers):
            raise Unsupported(
                _("부분 점수가 있는 선택지는 가져올 수 없습니다 (하나 고르기는 맞음과 틀림으로만 채점합니다).")
            )
        return self.name, [], self.gift_choices(question)

    def gift_choices(self, question):
        return [[gift_markdown(a.text, question.format), a.weight > 0, a.feedback] for a in question.answers]
