"""The LMS roster into the class (LTI Names and Role Provisioning Services 2.0): on a launch at
most once a day, and when the class's staff ask. Each active member becomes the account tied to
(issuer, subject), never found by e-mail, with the role the LMS gives, up or down; one the LMS
no longer lists (a learner, an assistant or an instructor) leaves the class, their records
staying theirs; staff added on this site stay."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from lti_tool.models import LtiUser
from pylti1p3.names_roles import NamesRolesProvisioningService

from lti import grades
from lti.members import account_for, role_of, take_part
from lti.models import ContextClass

DAILY = timedelta(days=1)


@dataclass
class Synced:
    added: int = 0
    changed: int = 0
    removed: int = 0


def due(context_class, now=None):
    """Whether a launch should read the roster: the platform offers one, and a day has passed since
    the last try (a platform that failed is not asked on every launch)."""
    tried = context_class.roster_tried_at
    return bool(context_class.context.memberships_url) and (tried is None or tried < (now or timezone.now()) - DAILY)


def sync(context_class):
    """Read the whole roster from the platform, then apply it in one transaction. Raises
    LtiException or requests' errors when the platform does not answer (nothing is changed)."""
    ContextClass.objects.filter(pk=context_class.pk).update(roster_tried_at=timezone.now())
    context = context_class.context
    registration = context.deployment.registration
    connector = grades.Connector(registration)
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": context.memberships_url})
    members = service.get_members()
    with transaction.atomic():
        result = _apply(context_class.klass, registration, members)
        context_class.roster_synced_at, context_class.roster_error = timezone.now(), ""
        context_class.save(update_fields=["roster_synced_at", "roster_error"])
    return result


def _apply(klass, registration, members):
    """The LMS's users in the class follow the roster, any role; a member the roster lists with no
    course role we know stays as they are; staff added on this site (no LMS identity) stay."""
    result, listed = Synced(), set()
    for member in members:
        if not member.get("user_id"):
            continue
        lti_user = _lti_user(registration, member)
        user = account_for(lti_user)
        role = role_of(member.get("roles"))
        if member.get("status", "Active") != "Active":
            continue  # listed as inactive or deleted: leaves, below
        listed.add(user.pk)
        if role is None:
            continue
        before = klass.memberships.filter(user=user).values_list("role", flat=True).first()
        take_part(klass, user, role)
        after = klass.memberships.filter(user=user).values_list("role", flat=True).first()
        result.added += before is None
        result.changed += before is not None and before != after
    from_lms = LtiUser.objects.filter(registration=registration, auth_user__isnull=False).values("auth_user")
    gone = klass.memberships.filter(user__in=from_lms).exclude(user__in=listed)
    result.removed = gone.count()
    gone.delete()
    return result


def _lti_user(registration, member):
    names = {name: member[name] for name in ("given_name", "family_name", "name", "email") if member.get(name)}
    return LtiUser.objects.update_or_create(registration=registration, sub=member["user_id"], defaults=names)[0]


def sync_quietly(context_class):
    """On a launch: a roster the platform does not give now is noted for the staff, and the launch
    goes on."""
    try:
        return sync(context_class)
    except Exception as error:  # the platform's answer, or a sync running beside it: the launch goes on
        context_class.roster_error = str(error)[:2000]
        context_class.save(update_fields=["roster_error"])
        return None
