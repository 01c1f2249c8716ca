"""Pick all that apply: one or more right choices, graded all or nothing."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quizzes.kinds.base import register
from quizzes.kinds.single import Single


@register
class Multiple(Single):
    name = "multiple"
    label = gettext_lazy("모두 고르기")
    position = 20
    many = True
    gift_note = gettext_lazy(
        "%(line)d행: 모두 고르기는 정답 선택지를 모두 골라야 정답으로 채점합니다 (부분 점수 없음)."
    )

    def right_problems(self, right):
        if right < 1:
            return [_("모두 고르기 문제는 정답 선택지가 하나 이상 있어야 합니다.")]
        return []

    def gift_weight(self, choice, right):
        """Right answers share 100 and wrong ones take it all away (graded all-or-nothing here)."""
        return round(100 / right, 5) if choice.is_correct else -100

    def from_gift(self, question):
        return self.name, [], self.gift_choices(question)
