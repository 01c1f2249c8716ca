"""Pages inside an LMS's iframe. After a launch, the session's pages may be framed by the
platform that launched it, and by no one else: its origins replace ``frame-ancestors 'none'``
and the ``X-Frame-Options: DENY`` that every other response keeps. Such a session is signed in,
so its pages never come from (or go into) the shared page cache. Over HTTPS its session and CSRF
cookies are ``SameSite=None; Secure``, which a third-party iframe needs; nobody else's are."""

from urllib.parse import urlsplit

from django.conf import settings

SESSION_KEY = "lti_frame_ancestors"
NOBODY = "frame-ancestors 'none'"


def origin(url):
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("https", "http") and parts.netloc else None


def platform_origins(launch):
    """Where a launch's pages may be framed: the issuer's and auth endpoint's origins, and those
    the signed launch names for where the learner is (its return URL, the platform's URL: Canvas
    frames from the school's own host), and the hosts ``LTI_FRAME_ORIGINS`` names."""
    presentation = launch.launch_presentation_claim or {}
    platform = launch.get_claim("https://purl.imsglobal.org/spec/lti/claim/tool_platform") or {}
    return registration_origins(launch.registration, presentation.get("return_url"), platform.get("url"))


def registration_origins(registration, *urls):
    """The origins of the platform's issuer and auth endpoint, of ``urls``, and of the hosts
    ``LTI_FRAME_ORIGINS`` names: who may frame a page of that platform's."""
    every = (registration.issuer, registration.auth_url, *urls, *settings.LTI_FRAME_ORIGINS)
    return sorted({found for url in every if (found := origin(url))})


def remember_platform(request, launch):
    """Called once the launch's user is signed in: this session's pages may be framed by it."""
    request.session[SESSION_KEY] = platform_origins(launch)


def framed_by_platform(get_response):
    def middleware(request):
        response = get_response(request)
        if framing := getattr(response, "frame_ancestors", None):  # a page the LMS itself shows (registration)
            allow_framing(request, response, framing)
            return response
        session = getattr(request, "session", None)
        # Read only a session there is (a cookie, or one the launch just filled): reading an empty
        # one would add "Vary: Cookie" to the pages everybody shares.
        if session is not None and (settings.SESSION_COOKIE_NAME in request.COOKIES or session.modified):
            if origins := session.get(SESSION_KEY):
                allow_framing(request, response, origins)
        return response

    return middleware


def allow_framing(request, response, origins):
    response.headers.pop("X-Frame-Options", None)
    policy = response.headers.get("Content-Security-Policy")
    if policy:
        ancestors = "frame-ancestors " + " ".join(origins)
        # A page with a policy of its own and no frame-ancestors (a diagram) gets this one, not none
        policy = policy.replace(NOBODY, ancestors) if "frame-ancestors" in policy else f"{policy}; {ancestors}"
        if form_action := getattr(response, "form_action", None):  # the deep-linking answer posts to the LMS
            policy = policy.replace("form-action 'self'", f"form-action 'self' {form_action}")
        response.headers["Content-Security-Policy"] = policy
    if request.is_secure():
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
            if name in response.cookies:
                response.cookies[name]["samesite"] = "None"
                response.cookies[name]["secure"] = True
