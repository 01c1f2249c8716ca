"""An LMS member on this site: the account tied to their (issuer, subject), never found by
e-mail, and their place in the class, the role the LMS gives them. For a launch and the roster."""

from hashlib import sha256

from django.contrib.auth import get_user_model
from lti_tool.models import LtiUser

from classes.models import Membership, Role


def account_for(lti_user):
    """The account of the platform's user, made the first time (no password: it signs in through
    its LMS only)."""
    if lti_user.auth_user_id is None:
        name = sha256(f"{lti_user.registration.uuid}:{lti_user.sub}".encode()).hexdigest()[:20]
        # The LMS's e-mail stays on the LtiUser: unconfirmed here, it never becomes the account's.
        lti_user.auth_user = get_user_model().objects.create_user(
            f"lti-{name}",
            first_name=(lti_user.given_name or lti_user.name)[:150],
            last_name=lti_user.family_name[:150],
        )
        lti_user.save(update_fields=["auth_user"])
    return lti_user.auth_user


def context_roles(roles):
    """The names of the course (context) roles among an LMS's roles: full membership URIs
    ("…/membership#Instructor", "…/membership/Instructor#TeachingAssistant") or the short names
    NRPS may use ("Instructor"). Institution and system roles are not course roles."""
    names = set()
    for role in roles or ():
        if "://" not in role:
            names.add(role)
        elif "/membership#" in role:
            names.add(role.rsplit("#", 1)[1])
        elif "/membership/" in role and "#" in role:  # a sub-role: Instructor#TeachingAssistant
            names.add(role.rsplit("#", 1)[1])
    return names


def role_of(roles):
    """The class role of the LMS's context roles: a teaching assistant, an instructor, a learner."""
    names = context_roles(roles)
    if "TeachingAssistant" in names:
        return Role.ASSISTANT
    if "Instructor" in names:
        return Role.INSTRUCTOR
    if "Learner" in names:
        return Role.LEARNER
    return None


def take_part(klass, user, role):
    """The LMS decides the role of its users in the class, up or down: one instructor (the first),
    other instructors co-instructors."""
    membership = Membership.objects.filter(klass=klass, user=user).first()
    if role == Role.INSTRUCTOR and klass.memberships.filter(role=Role.INSTRUCTOR).exclude(user=user).exists():
        role = Role.CO_INSTRUCTOR
    if membership is None:
        Membership.objects.create(klass=klass, user=user, role=role)
    elif membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])


def lms_addresses(user_ids):
    """{account: the e-mail its LMS gave}, for class reminders to accounts a launch made (they have
    none of their own), once they have come in through one: a roster's members who never opened
    the tool get none, having never seen the class page where reminders are turned off. Used only
    to send them mail, never to find or sign in an account."""
    rows = (
        LtiUser.objects.filter(auth_user_id__in=user_ids, auth_user__last_login__isnull=False)
        .exclude(email="")
        .order_by("pk")
    )
    return dict(rows.values_list("auth_user_id", "email"))
