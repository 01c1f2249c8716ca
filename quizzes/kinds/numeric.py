"""Numeric: a typed number inside an accepted value, tolerance or range."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quizzes import gift
from quizzes.kinds.base import (
    AnswerError,
    TypedKind,
    numeric_range,
    parse_number,
    register,
    same_unit,
    split_number,
    weighted,
)

EXAMPLES = (12, 3.5, 250, 0.25, 4096, -40, 1e9)  # the first far from every accepted value is shown


@register
class Numeric(TypedKind):
    name = "numeric"
    label = gettext_lazy("수치")
    position = 50
    no_choices = gettext_lazy("수치 문제에는 선택지를 두지 않습니다. 정답은 '정답으로 인정할 답'에 적습니다.")
    rule = gettext_lazy(
        "수치 문제의 정답은 값(3), 허용 오차(99.7±0.05) 또는 범위(3.141..3.142)로 한 줄에 하나씩 적습니다."
    )

    def check_value(self, question, text):
        number = split_number(text)
        if number is None:
            raise AnswerError(_("숫자로 답해 주세요 (예: %(example)s).") % {"example": self.example(question)})
        if question.unit and number[1] and not same_unit(number[1], question.unit):
            raise AnswerError(
                _("이 문제의 단위는 %(unit)s입니다. 숫자만 적거나 %(unit)s를 붙여 적어 주세요 (예: %(example)s).")
                % {"unit": question.unit, "example": self.example(question)}
            )

    def example(self, question):
        """A number to show how an answer is typed: never one the question accepts, nor any right
        answer's neighbour, so the hint gives nothing away."""
        ranges = [numeric_range(answer) for _share, answer in map(weighted, question.accepted_list)]
        near = [(low - max(1, abs(low)) * 0.5, high + max(1, abs(high)) * 0.5) for low, high in filter(None, ranges)]
        value = next(v for v in EXAMPLES if not any(low <= v <= high for low, high in near))
        return f"{value:g} {question.unit}" if question.unit else f"{value:g}"

    def key_shown(self, question):
        """The value with its tolerance or range, and any partial ones, with the unit."""
        return f"{question.accepted_shown} {question.unit}" if question.unit else question.accepted_shown

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
