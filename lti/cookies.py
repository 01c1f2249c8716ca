"""Launches from a browser that blocks third-party cookies (Safari, Firefox's strict mode, Chrome
with third-party cookies off): inside the LMS's iframe such a browser keeps none of ours, so no
state, and no session after the launch. The login initiation first sets a test cookie and comes
back; if the cookie did not come with it, the frame shows why and opens the same launch in a new
window, where our cookies are first-party; a platform that offers its postMessage storage gets
that instead (``lti.storage``), which saves the learner the second trip through the LMS."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from lti_tool.models import LtiRegistration
from pylti1p3.exception import OIDCException

from lti.middleware import registration_origins

TEST_COOKIE = "lti-cookies"
CHECKED = "cookie_check"


def checked(params):
    return params.get(CHECKED) == "1"


def check(request, params):
    """Set the test cookie and come back to the login initiation, marked as checked."""
    response = HttpResponseRedirect(f"{reverse('lti:login')}?{urlencode({**params.dict(), CHECKED: '1'})}")
    secure = request.is_secure()
    response.set_cookie(
        TEST_COOKIE, "1", max_age=300, secure=secure, httponly=True, samesite="None" if secure else "Lax"
    )
    return response


def kept(request):
    return request.COOKIES.get(TEST_COOKIE) == "1"


def new_window(request, params):
    """The frame's page when the test cookie did not come back: the same launch, in a new window."""
    response = render(request, "lti/new_window.html", new_window_context(params))
    response.frame_ancestors = platform_origins(params)
    return response


def new_window_context(params):
    again = {name: value for name, value in params.dict().items() if name != CHECKED}
    return {"url": f"{reverse('lti:login')}?{urlencode(again)}"}


def platform_origins(params):
    """Who may frame the login initiation's own pages: the platform that asked (its registration's
    origins, and the hosts ``LTI_FRAME_ORIGINS`` names for it), no one else."""
    registrations = LtiRegistration.objects.active().filter(issuer=params.get("iss", ""))
    if params.get("client_id"):
        registrations = registrations.filter(client_id=params["client_id"])
    registration = registrations.first()
    if registration is None:
        raise OIDCException("Could not find registration details")
    return registration_origins(registration)
