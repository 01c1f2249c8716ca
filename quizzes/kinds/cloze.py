"""Cloze: blanks {1}, {2}, … in the prompt, each typed; each blank right earns its share."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quizzes import gift
from quizzes.kinds.base import (
    BLANK_RE,
    AnswerError,
    ItemisedKind,
    check_typed,
    item,
    normalise_answer,
    register,
)


@register
class Cloze(ItemisedKind):
    name = "cloze"
    label = gettext_lazy("빈칸 채우기")
    position = 80
    has_choices = False
    has_blanks = True

    def prompt(self, question):
        return question.prompt_with_blanks

    def parse(self, question, tokens=(), text="", parts=()):
        parts = [check_typed(part) for part in parts]
        if len(parts) != len(question.blanks):
            raise AnswerError(_("빈칸의 수가 맞지 않습니다. 페이지를 새로 고친 뒤 다시 답해 주세요."))
        if not all(parts):
            raise AnswerError(_("빈칸을 모두 채워 주세요."))
        return {"parts": parts}

    def resend(self, question, answer, picked):
        return {"parts": [item["given"] for item in answer.given]}

    def items(self, question, choices, parts):
        return [
            item("", given, accepted[0], normalise_answer(given) in {normalise_answer(a) for a in accepted})
            for given, accepted in zip(parts, question.blanks, strict=True)
        ]

    def problems(self, question, choices):
        if choices:
            return [_("빈칸 채우기 문제에는 선택지를 두지 않습니다. 빈칸의 답은 '정답으로 인정할 답'에 적습니다.")]
        numbers = [int(n) for n in BLANK_RE.findall(question.prompt)]
        blanks = question.blanks
        if not blanks or numbers != list(range(1, len(blanks) + 1)) or not all(blanks):
            return [
                _(
                    "빈칸 채우기 문제는 문제 글에 빈칸 {1}, {2}, …를 차례로 한 번씩 쓰고, "
                    "'정답으로 인정할 답'에 빈칸마다 한 줄씩 답을 적어야 합니다 (지금 빈칸 %(gaps)d개, 답 %(lines)d줄)."
                )
                % {"gaps": len(numbers), "lines": len(blanks)}
            ]
        return []

    def solution(self, question):
        return [item("", "", " / ".join(answers), False) for answers in question.blanks]

    def item_name(self, number, label):
        return _("빈칸 %(n)d") % {"n": number}

    def item_count(self, question, choices):
        return len(question.blanks)

    def example_post(self, question):
        return {"part": [answers[0] for answers in question.blanks]}

    def to_gift(self, question, out):
        """Only one blank inside the text: GIFT's missing-word question."""
        if len(question.blanks) != 1 or question.prompt.rstrip().endswith("{1}"):
            super().to_gift(question, out)  # refuses: GIFT has no other way to say it
        out.kind, out.gap = "short", True
        out.text = BLANK_RE.sub(gift.GAP, question.prompt)
        out.answers = [gift.GiftAnswer(text=a) for a in question.blanks[0]]
