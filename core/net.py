"""The client's address, taken from X-Forwarded-For only as far as configured proxies vouch for it."""

import ipaddress

from django.conf import settings


def client_address(request):
    """REMOTE_ADDR, or with TRUSTED_PROXIES = n the n-th address from the right of X-Forwarded-For.

    Each trusted proxy appends the address it saw, so the entries further left are whatever the
    client sent and prove nothing. Too few entries means the request did not come through all
    the proxies; then the connecting address is the honest answer.
    """
    count = settings.TRUSTED_PROXIES
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    candidate = forwarded[-count] if count and len(forwarded) >= count else request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
