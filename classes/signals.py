"""What the classes app does as answers come in, and the cache it keeps for that."""

from zoneinfo import ZoneInfo

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import Class, Deadline, Extension, Membership, closing_due, forget_dues
from quizzes.kinds.base import AnswerError
from quizzes.signals import answer_recording


@receiver(answer_recording)
def refuse_after_a_closing_deadline(sender, owner, question, **kwargs):
    """A class that closes its quizzes at the deadline refuses a later answer; nothing is stored."""
    if owner.user is None:
        return None
    closed = closing_due(owner.user, question.quiz_id)
    if closed is None:
        return None
    when = timezone.localtime(closed.due_at, ZoneInfo(closed.time_zone)).strftime("%Y-%m-%d %H:%M")
    raise AnswerError(
        _(
            "%(class)s 반의 마감(%(when)s, %(zone)s)이 지나 이 퀴즈에는 더 답할 수 없습니다. 교수자에게 연장을 요청하세요."
        )
        % {"class": closed.class_name, "when": when, "zone": closed.time_zone}
    )


def _learners_of(klass_id):
    return Membership.objects.filter(klass_id=klass_id).values_list("user_id", flat=True)


@receiver([post_save, post_delete], sender=Membership)
@receiver([post_save, post_delete], sender=Extension)
def membership_or_extension_changed(sender, instance, **kwargs):
    forget_dues([instance.user_id])


@receiver([post_save, post_delete], sender=Deadline)
def deadline_changed(sender, instance, **kwargs):
    forget_dues(_learners_of(instance.klass_id))


@receiver(post_save, sender=Class)
def class_changed(sender, instance, created, **kwargs):
    if not created:
        forget_dues(_learners_of(instance.pk))
