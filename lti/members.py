"""An LMS member on this site: the account tied to their (issuer, subject), never found by
e-mail, and their place in the class, the role the LMS gives them. For a launch and the roster."""

from hashlib import sha256

from django.contrib.auth import get_user_model

from classes.models import Membership, Role

ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


def account_for(lti_user):
    """The account of the platform's user, made the first time (no password: it signs in through
    its LMS only)."""
    if lti_user.auth_user_id is None:
        name = sha256(f"{lti_user.registration.uuid}:{lti_user.sub}".encode()).hexdigest()[:20]
        lti_user.auth_user = get_user_model().objects.create_user(
            f"lti-{name}",
            email=lti_user.email or "",
            first_name=(lti_user.given_name or lti_user.name)[:150],
            last_name=lti_user.family_name[:150],
        )
        lti_user.save(update_fields=["auth_user"])
    return lti_user.auth_user


def role_of(roles):
    """The class role of the LMS's context roles: a teaching assistant, an instructor, a learner."""
    roles = set(roles or ())
    if any(role.endswith("#TeachingAssistant") for role in roles):
        return Role.ASSISTANT
    if ROLE + "Instructor" in roles:
        return Role.INSTRUCTOR
    if ROLE + "Learner" in roles:
        return Role.LEARNER
    return None


def take_part(klass, user, role):
    """The LMS decides the role; the class's first instructor stays its instructor."""
    membership = Membership.objects.filter(klass=klass, user=user).first()
    if role == Role.INSTRUCTOR and klass.memberships.filter(role=Role.INSTRUCTOR).exclude(user=user).exists():
        role = Role.CO_INSTRUCTOR
    if membership is None:
        Membership.objects.create(klass=klass, user=user, role=role)
    elif membership.role != role and membership.role != Role.INSTRUCTOR:
        membership.role = role
        membership.save(update_fields=["role"])
