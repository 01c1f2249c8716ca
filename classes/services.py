"""The writes of a class: creating it, joining, leaving, its code and its staff."""

from django.db import IntegrityError, transaction
from django.utils.translation import get_language, get_supported_language_variant
from django.utils.translation import gettext as _

from classes.models import Class, Deadline, Extension, Membership, Role, new_code
from quizzes.models import Quiz


class ClassError(Exception):
    """A request the class refuses; the message is shown to the user."""


@transaction.atomic
def class_create(*, course, name, instructor, **fields):
    klass = Class.objects.create(course=course, name=name, **fields)
    Membership.objects.create(klass=klass, user=instructor, role=Role.INSTRUCTOR)
    return klass


def class_join(*, klass, user):
    """Join as a learner; joining twice (a double click) changes nothing. Staff stay staff."""
    if not klass.joining_open:
        raise ClassError(_("이 반은 지금 참여를 받지 않습니다. 교수자에게 새 링크를 받으세요."))
    try:
        with transaction.atomic():
            defaults = {"role": Role.LEARNER, "language": get_supported_language_variant(get_language())}
            return Membership.objects.get_or_create(klass=klass, user=user, defaults=defaults)[0]
    except IntegrityError:  # the other request of a double click made it
        return Membership.objects.get(klass=klass, user=user)


def class_leave(*, klass, user):
    """A learner leaves; their answers and progress stay theirs. The instructor cannot leave."""
    membership = Membership.objects.filter(klass=klass, user=user).first()
    if membership is None:
        return
    if membership.role == Role.INSTRUCTOR:
        raise ClassError(_("담당 교수자는 반을 떠날 수 없습니다."))
    membership.delete()


def member_remove(*, klass, membership):
    if membership.klass_id != klass.pk:
        raise ClassError(_("이 반의 구성원이 아닙니다."))
    if membership.role == Role.INSTRUCTOR:
        raise ClassError(_("담당 교수자는 반에서 뺄 수 없습니다."))
    membership.delete()


def staff_add(*, klass, user, role):
    """Make a user one of the class's co-instructors or assistants (a learner of it too)."""
    if role not in (Role.CO_INSTRUCTOR, Role.ASSISTANT):
        raise ClassError(_("공동 교수자나 조교만 더할 수 있습니다."))
    membership, created = Membership.objects.get_or_create(klass=klass, user=user, defaults={"role": role})
    if not created:
        if membership.role == Role.INSTRUCTOR:
            raise ClassError(_("담당 교수자의 역할은 바꿀 수 없습니다."))
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def code_change(*, klass):
    """A new join code: the old link stops working at once."""
    klass.code = new_code()
    klass.save(update_fields=["code"])


def joining_set(*, klass, is_open):
    klass.joining_open = is_open
    klass.save(update_fields=["joining_open"])


def deadline_set(*, klass, target, due_at):
    """The due date of a lecture or a quiz of the class's course; setting it again moves it."""
    if due_at < klass.starts_at:
        raise ClassError(_("마감은 반이 시작한 뒤여야 합니다."))
    field = "quiz" if isinstance(target, Quiz) else "lecture"
    return Deadline.objects.update_or_create(klass=klass, **{field: target}, defaults={"due_at": due_at})[0]


def extension_grant(*, deadline, user, due_at, reason, by):
    """A later due date for one learner of the class, with the reason (seen by staff only)."""
    if not deadline.klass.memberships.filter(user=user, role=Role.LEARNER).exists():
        raise ClassError(_("이 반의 학습자에게만 마감을 연장할 수 있습니다."))
    if due_at <= deadline.due_at:
        raise ClassError(_("연장한 마감은 원래 마감보다 뒤여야 합니다."))
    defaults = {"due_at": due_at, "reason": reason, "granted_by": by}
    return Extension.objects.update_or_create(deadline=deadline, user=user, defaults=defaults)[0]


def reminders_set(*, membership, reminders, language):
    """A learner's choice of reminder e-mails: on or off, and their language."""
    membership.reminders, membership.language = reminders, language
    membership.save(update_fields=["reminders", "language"])
