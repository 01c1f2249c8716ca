"""True or false: the two choices 참 and 거짓, never shuffled.

The choices are stored as "참" and "거짓" (a GIFT import of an older version may have stored
"True" and "False"), and an answer keeps the label it picked as it was stored: what a learner
saw is never rewritten. Every page shows the label in the reader's language (``choice_label``),
the one place that maps a stored label to the shown one.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.files import ContentError
from quizzes.kinds.base import ChoiceKind, files, register

TRUE, FALSE = "참", "거짓"  # the stored labels
LABELS = {TRUE: pgettext_lazy("true or false", "참"), FALSE: pgettext_lazy("true or false", "거짓")}
STORED = {"참": TRUE, "true": TRUE, "거짓": FALSE, "false": FALSE}  # a stored label, casefolded


@register
class TrueFalse(ChoiceKind):
    name = "true_false"
    label = gettext_lazy("참/거짓")
    position = 30
    shuffles = False

    def choice_label(self, text):
        label = STORED.get((text or "").strip().casefold())
        return LABELS[label] if label else None

    def bank_choices(self, entry, where):
        """``answer = true`` or ``false``, and the feedback for a wrong answer."""
        if not isinstance(entry.get("answer"), bool):
            raise ContentError(
                _("%(where)s: 참/거짓 문제에는 answer = true 또는 false가 있어야 합니다.") % {"where": where}
            )
        answer, wrong = entry["answer"], files.text(entry, "feedback_wrong", where)
        return [[TRUE, answer, "" if answer else wrong], [FALSE, not answer, wrong if answer else ""]]

    def to_gift(self, question, out):
        true, false = question.choices.all()
        out.kind, out.truth = self.name, true.is_correct
        out.feedback_true, out.feedback_false = true.feedback, false.feedback

    def from_gift(self, question):
        return (
            self.name,
            [],
            [[TRUE, question.truth, question.feedback_true], [FALSE, not question.truth, question.feedback_false]],
        )
