"""Account mail that reveals nothing: address confirmation at sign-up, and limits on reset mail.

A sign-up never says whether its e-mail address is taken. The account is created and
signed in at once, without an address; the address is attached only when its owner follows
the link mailed to it. If the address already belongs to an account, its owner gets a note
instead of a link. Either way the person signing up sees the same page.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_ratelimit.core import is_ratelimited

from config.net import client_address

CONFIRMATION_SALT = "learners.email-confirmation"
CONFIRMATION_MAX_AGE = 3 * 24 * 3600


def _mail(request, template, address, context):
    context = {**context, "site_url": request.build_absolute_uri("/").rstrip("/")}
    subject = render_to_string(f"registration/{template}_subject.txt", context).strip()
    send_mail(subject, render_to_string(f"registration/{template}_email.txt", context), None, [address])


def mail_address_confirmation(request, user, address):
    """Mail `address` a link that attaches it to `user`, or, if it is taken, a note to its owner."""
    owner = get_user_model().objects.filter(email__iexact=address).exclude(pk=user.pk).first()
    if owner:
        _mail(request, "email_taken", address, {"user": owner})
        return
    token = signing.dumps({"user": user.pk, "email": address}, salt=CONFIRMATION_SALT)
    link = request.build_absolute_uri(reverse("email_confirm", args=[token]))
    _mail(request, "email_confirm", address, {"user": user, "link": link})


class ConfirmationError(Exception):
    pass


def read_confirmation(token):
    """The user and address a confirmation link stands for; ConfirmationError if it is spoiled."""
    try:
        data = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
        user = get_user_model().objects.get(pk=data["user"], is_active=True)
    except signing.SignatureExpired as error:
        raise ConfirmationError("expired") from error
    except (signing.BadSignature, get_user_model().DoesNotExist, KeyError, TypeError) as error:
        raise ConfirmationError("invalid") from error
    return user, data["email"]


def confirm_address(user, address):
    """Attach the address unless another account took it meanwhile; True when attached."""
    if get_user_model().objects.filter(email__iexact=address).exclude(pk=user.pk).exists():
        return False
    user.email = address
    user.save(update_fields=["email"])
    return True


def mail_limited(request, group, address):
    """True when mail of this kind went out too often to this address or from this client.

    Both counters grow with every request, whether or not an account has the address, so
    the answer says nothing about who is registered.
    """
    by_client = is_ratelimited(
        request,
        group=f"{group}:client",
        key=lambda _group, request: client_address(request) or "",
        rate=settings.ACCOUNT_MAIL_RATE_PER_CLIENT,
        increment=True,
    )
    by_address = is_ratelimited(
        request,
        group=f"{group}:address",
        key=lambda _group, _request: address.strip().lower(),
        rate=settings.ACCOUNT_MAIL_RATE_PER_ADDRESS,
        increment=True,
    )
    return by_client or by_address
