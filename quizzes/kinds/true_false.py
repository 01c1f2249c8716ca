"""True or false: the two choices 참 and 거짓, never shuffled."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.files import ContentError
from quizzes.kinds.base import ChoiceKind, files, register


@register
class TrueFalse(ChoiceKind):
    name = "true_false"
    label = gettext_lazy("참/거짓")
    position = 30
    shuffles = False

    def bank_choices(self, entry, where):
        """``answer = true`` or ``false``, and the feedback for a wrong answer."""
        if not isinstance(entry.get("answer"), bool):
            raise ContentError(
                _("%(where)s: 참/거짓 문제에는 answer = true 또는 false가 있어야 합니다.") % {"where": where}
            )
        answer, wrong = entry["answer"], files.text(entry, "feedback_wrong", where)
        return [["참", answer, "" if answer else wrong], ["거짓", not answer, wrong if answer else ""]]

    def to_gift(self, question, out):
        true, false = question.choices.all()
        out.kind, out.truth = self.name, true.is_correct
        out.feedback_true, out.feedback_false = true.feedback, false.feedback

    def from_gift(self, question):
        return (
            self.name,
            [],
            [["참", question.truth, question.feedback_true], ["거짓", not question.truth, question.feedback_false]],
        )
