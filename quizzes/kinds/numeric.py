"""Numeric: a typed number inside an accepted value, tolerance or range."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quizzes import gift
from quizzes.kinds.base import AnswerError, TypedKind, numeric_range, parse_number, register, weighted


@register
class Numeric(TypedKind):
    name = "numeric"
    label = gettext_lazy("수치")
    position = 50
    no_choices = gettext_lazy("수치 문제에는 선택지를 두지 않습니다. 정답은 '정답으로 인정할 답'에 적습니다.")
    rule = gettext_lazy(
        "수치 문제의 정답은 값(3), 허용 오차(99.7±0.05) 또는 범위(3.141..3.142)로 한 줄에 하나씩 적습니다."
    )

    def check_value(self, text):
        if parse_number(text) is None:
            raise AnswerError(_("숫자로 답해 주세요 (예: 99.7)."))

    def matches(self, accepted, text):
        value, bounds = parse_number(text), numeric_range(accepted)
        return value is not None and bounds is not None and bounds[0] <= value <= bounds[1]

    def readable(self, question):
        return bool(question.accepted_list) and question.numeric_ranges is not None

    def example_answer(self, question):
        full = [answer for share, answer in map(weighted, question.accepted_list) if share >= 1]
        low, high = numeric_range(full[0])
        return f"{(low + high) / 2:g}"

    def to_gift(self, question, out):
        out.kind = self.name
        out.answers = [
            gift.GiftAnswer(text=re.sub(r"\s*(±|\+/-|\+-)\s*", ":", answer.strip()), weight=100 * share)
            for share, answer in map(weighted, question.accepted_list)
        ]

    def gift_line(self, answer):
        """GIFT's "1822:2" is our "1822±2"; ranges and single values read the same in both."""
        return answer.text.strip().replace(":", "±")
