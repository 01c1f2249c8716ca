"""CSRF protection that also works for a page served to everyone from the shared cache.

Such a page carries no token (it is the same for every visitor), so the first action of a
visitor who has no session yet cannot present one. That request carries no credential
either: no session cookie, so nothing an attacker could act with. For it alone the check is
the browser's Origin header, which every current browser sends with a POST and a page on
another site cannot forge; requests without it are refused. Once the visitor has a session,
every POST needs the token, exactly as Django checks it.
"""

from django.conf import settings
from django.middleware import csrf


class CsrfViewMiddleware(csrf.CsrfViewMiddleware):
    def process_view(self, request, callback, callback_args, callback_kwargs):
        if (
            request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "HTTP_ORIGIN" in request.META
            and not getattr(callback, "csrf_exempt", False)
            and self._origin_verified(request)
        ):
            return self._accept(request)
        return super().process_view(request, callback, callback_args, callback_kwargs)
