"""Short answer: one typed line, compared after folding case, width, spaces and punctuation."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quizzes import gift
from quizzes.kinds.base import TypedKind, Unsupported, register, weighted


@register
class Short(TypedKind):
    name = "short"
    label = gettext_lazy("단답형")
    position = 40
    no_choices = gettext_lazy("단답형 문제에는 선택지를 두지 않습니다. 정답은 '정답으로 인정할 답'에 적습니다.")
    rule = gettext_lazy("단답형 문제는 정답으로 인정할 답이 하나 이상 있어야 합니다.")

    def bank_choices(self, entry, where):
        return []  # a short answer has none; its accepted answers are the entry's ``accepted``

    def to_gift(self, question, out):
        out.kind = self.name
        out.answers = [gift.GiftAnswer(text=a, weight=100 * w) for w, a in map(weighted, question.accepted_list)]

    def from_gift(self, question):
        """A GIFT missing-word question with typed answers is our cloze with one blank."""
        kind, accepted, choices = super().from_gift(question)
        if question.gap:
            if any("|" in a.text or 0 < a.weight < 100 for a in question.answers):
                raise Unsupported(_("부분 점수가 있거나 | 가 든 빈칸의 답은 가져올 수 없습니다."))
            kind, accepted = "cloze", [" | ".join(accepted)]
        return kind, accepted, choices
