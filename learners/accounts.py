"""Account mail that reveals nothing: address confirmation at sign-up, and limits on reset mail.

A sign-up never says whether its e-mail address is taken. The account is created and
signed in at once, without an address; the address is attached only when its owner follows
the link mailed to it. If the address already belongs to an account, its owner gets a note
instead of a link. Either way the person signing up sees the same page.

A link works once, and only while the account's address is as it was when the link was
mailed, the way Django's password reset links do: whoever later reads the old mail cannot
use it to put an address back on the account and then reset its password.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

from core.net import client_address
from learners.models import AddressConfirmation

CONFIRMATION_SALT = "learners.email-confirmation"
CONFIRMATION_MAX_AGE = 3 * 24 * 3600


def _mail(request, template, address, context):
    context = {**context, "site_url": request.build_absolute_uri("/").rstrip("/")}
    subject = render_to_string(f"registration/{template}_subject.txt", context).strip()
    send_mail(subject, render_to_string(f"registration/{template}_email.txt", context), None, [address])


class AddressTokenGenerator(PasswordResetTokenGenerator):
    """The part of a confirmation link that ties it to the account's state when it was mailed.

    It hashes the account, its current address, the address to confirm and when the account
    last confirmed one. Using a link changes the last, so no link mailed before works after it,
    even once the address is cleared again. The link's age is checked by its signature
    (``CONFIRMATION_MAX_AGE``); this token's own limit is ``PASSWORD_RESET_TIMEOUT``, three
    days unless a deployment sets it shorter.
    """

    key_salt = "learners.accounts.AddressTokenGenerator"

    def __init__(self, address):
        super().__init__()
        self.address = address

    def _make_hash_value(self, user, timestamp):
        confirmed = AddressConfirmation.objects.filter(user=user).values_list("confirmed_at", flat=True).first()
        return "\n".join(map(str, [user.pk, user.email, self.address, confirmed or "", timestamp]))


def mail_address_confirmation(request, user, address):
    """Mail `address` a link that attaches it to `user`, or, if it is taken, a note to its owner."""
    owner = get_user_model().objects.filter(email__iexact=address).exclude(pk=user.pk).first()
    if owner:
        _mail(request, "email_taken", address, {"user": owner})
        return
    state = AddressTokenGenerator(address).make_token(user)
    token = signing.dumps({"user": user.pk, "email": address, "state": state}, salt=CONFIRMATION_SALT)
    link = request.build_absolute_uri(reverse("email_confirm", args=[token]))
    _mail(request, "email_confirm", address, {"user": user, "link": link})


class ConfirmationError(Exception):
    pass


def read_confirmation(token, *, lock=False):
    """The user and address a confirmation link stands for; ConfirmationError if it is spoiled or spent."""
    users = get_user_model().objects.select_for_update() if lock else get_user_model().objects
    try:
        data = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
        user = users.get(pk=data["user"], is_active=True)
        address = data["email"]
    except signing.SignatureExpired as error:
        raise ConfirmationError("expired") from error
    except (signing.BadSignature, get_user_model().DoesNotExist, KeyError, TypeError) as error:
        raise ConfirmationError("invalid") from error
    if not AddressTokenGenerator(address).check_token(user, data.get("state")):
        raise ConfirmationError("used")
    return user, address


def confirm_address(token):
    """Attach a link's address to its account; False if another account took the address meanwhile.

    The account's row stays locked from the check to the write, so a link used twice at once
    attaches its address once.
    """
    with transaction.atomic():
        user, address = read_confirmation(token, lock=True)
        if get_user_model().objects.filter(email__iexact=address).exclude(pk=user.pk).exists():
            return False
        user.email = address
        user.save(update_fields=["email"])
        AddressConfirmation.objects.update_or_create(user=user, defaults={"confirmed_at": timezone.now()})
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
