"""The LMS roster into the class (LTI Names and Role Provisioning Services 2.0): on a launch at
most once a day, and when the class's staff ask. Each active member becomes the account tied to
(issuer, subject), never found by e-mail, with the role the LMS gives; a learner the LMS no
longer lists leaves the class (their records stay theirs); staff added on this site stay."""

from dataclasses import dataclass
from datetime import timedelta

import requests
from django.db import transaction
from django.utils import timezone
from lti_tool.models import LtiUser
from pylti1p3.exception import LtiException
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from classes.models import Role
from lti import grades
from lti.members import account_for, role_of, take_part

DAILY = timedelta(days=1)


@dataclass
class Synced:
    added: int = 0
    changed: int = 0
    removed: int = 0


def due(context_class, now=None):
    """Whether a launch should sync the roster: the platform offers one, and a day has passed."""
    synced = context_class.roster_synced_at
    return bool(context_class.context.memberships_url) and (synced is None or synced < (now or timezone.now()) - DAILY)


def sync(context_class):
    """Read the whole roster from the platform, then apply it in one transaction. Raises
    LtiException or requests' errors when the platform does not answer (nothing is changed)."""
    context = context_class.context
    registration = context.deployment.registration
    connector = ServiceConnector(registration.to_registration(), requests_session=grades._session())
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": context.memberships_url})
    members = service.get_members()
    with transaction.atomic():
        result = _apply(context_class.klass, registration, members)
        context_class.roster_synced_at, context_class.roster_error = timezone.now(), ""
        context_class.save(update_fields=["roster_synced_at", "roster_error"])
    return result


def _apply(klass, registration, members):
    result, listed = Synced(), set()
    for member in members:
        role = role_of(member.get("roles"))
        if member.get("status", "Active") != "Active" or role is None or not member.get("user_id"):
            continue
        user = account_for(_lti_user(registration, member))
        listed.add(user.pk)
        before = klass.memberships.filter(user=user).values_list("role", flat=True).first()
        take_part(klass, user, role)
        after = klass.memberships.filter(user=user).values_list("role", flat=True).first()
        result.added += before is None
        result.changed += before is not None and before != after
    gone = klass.memberships.filter(
        role=Role.LEARNER, user__in=LtiUser.objects.filter(registration=registration).values("auth_user")
    ).exclude(user__in=listed)
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
    except (LtiException, requests.RequestException, KeyError, ValueError) as error:
        context_class.roster_error = str(error)[:2000]
        context_class.save(update_fields=["roster_error"])
        return None
