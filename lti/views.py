"""The LTI 1.3 endpoints the platform calls: login initiation, the launch, and the tool's keys."""

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lti_tool.models import Key
from pylti1p3.exception import LtiException, OIDCException

from lti import launch as lti_launch


def refused(request, error):
    """A clear page, status 400, for a launch or login this tool will not take; nothing is recorded."""
    context = {"reason": str(error), "ours": isinstance(error, lti_launch.Refused)}
    return render(request, "lti/refused.html", context, status=400)


@csrf_exempt  # the platform posts it, with no token of ours: the state and the signed id_token stand in
@require_http_methods(["GET", "POST"])
def login(request):
    try:
        return lti_launch.login_redirect(request, request.POST if request.method == "POST" else request.GET)
    except (LtiException, OIDCException) as error:
        return refused(request, error)


@csrf_exempt
@require_POST
def launch(request):
    try:
        found = lti_launch.validated(request)
    except (LtiException, lti_launch.Refused) as error:
        return refused(request, error)
    lti_launch.enter(request, found)
    return redirect(found.target)


@require_GET
@cache_control(max_age=300, private=True)  # private: never kept by the shared page cache, so a rotation shows at once
def jwks(request):
    """The tool's public keys (``rotate_keys`` adds one and retires those older than a week)."""
    return JsonResponse(Key.objects.as_jwks())
