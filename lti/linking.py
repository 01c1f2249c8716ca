"""Linking an LMS identity to an account its holder already had here, once.

A first launch makes an account for the LMS user (``members.account_for``). Its holder, if they
had an account on this site before, may move the LMS identity onto it: they prove it is theirs
with its password (axes counts the tries), and from then on every launch signs in that account.
Only an account the LMS made, and only while it has no learning records of its own (merging two
histories would rewrite what a learner did), is linked; it is then deleted, its class places
moving to the old account."""

from django.db import transaction
from django.utils.translation import gettext as _
from lti_tool.models import LtiUser

from classes.models import Membership
from learners.models import ReviewCard, SectionProgress
from lti.models import ScoreOut
from quizzes.models import Attempt


class LinkError(Exception):
    """Why the identity cannot be linked; shown to its holder."""


def made_by_lms(user):
    """Whether ``user`` is an account a launch made (no password of its own)."""
    return user.is_authenticated and not user.has_usable_password() and LtiUser.objects.filter(auth_user=user).exists()


def has_records(user):
    return any(model.objects.filter(user=user).exists() for model in (Attempt, SectionProgress, ReviewCard))


@transaction.atomic
def link(lms_account, existing):
    """Move the LMS identities of ``lms_account`` onto ``existing`` and delete ``lms_account``."""
    if existing.pk == lms_account.pk or made_by_lms(existing):
        raise LinkError(_("이 사이트에서 직접 만든 다른 계정으로만 연결할 수 있습니다."))
    identities = LtiUser.objects.filter(auth_user=lms_account)
    taken = LtiUser.objects.filter(auth_user=existing, registration__in=identities.values("registration"))
    if taken.exists():
        raise LinkError(_("그 계정은 이미 이 LMS의 다른 신원과 연결되어 있습니다."))
    if has_records(lms_account):
        raise LinkError(
            _(
                "LMS로 들어온 뒤 이미 학습 기록이 생겨 연결할 수 없습니다. 두 기록을 합치면 한 사람이 한 일이 바뀌기 때문입니다."
            )
        )
    for membership in Membership.objects.filter(user=lms_account):
        if not Membership.objects.filter(klass=membership.klass_id, user=existing).exists():
            Membership.objects.create(klass_id=membership.klass_id, user=existing, role=membership.role)
    ScoreOut.objects.filter(user=lms_account).update(user=existing)
    identities.update(auth_user=existing)
    lms_account.delete()
