"""The LTI 1.3 endpoints the platform calls: login initiation, the launch, and the tool's keys."""

import logging

import requests
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from lti_tool.models import Key
from pylti1p3.exception import LtiException, OIDCException

from classes.models import MANAGING_ROLES, Class
from lti import cookies, deep_linking, linking, registration, roster, storage
from lti import launch as lti_launch
from lti.middleware import SESSION_KEY as FRAME_SESSION_KEY
from lti.middleware import origin
from lti.models import ContextClass

logger = logging.getLogger(__name__)


def refused(request, error):
    """A clear page, status 400, for a launch or login this tool will not take; nothing is recorded."""
    if not isinstance(error, LtiException | OIDCException | lti_launch.Refused):
        logger.warning("LTI launch refused: %r", error)
    context = {"reason": str(error), "ours": isinstance(error, lti_launch.Refused)}
    return render(request, "lti/refused.html", context, status=400)


@csrf_exempt  # the platform posts it, with no token of ours: the state and the signed id_token stand in
@require_http_methods(["GET", "POST"])
def login(request):
    """OIDC login initiation, after making sure this browser keeps our cookies here: one that
    blocks them inside the LMS's iframe is offered the same launch in a new window."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        if not cookies.checked(params):
            return cookies.check(request, params)
        if not cookies.kept(request):
            return (
                storage.login_page(request, params) if storage.wanted(params) else cookies.new_window(request, params)
            )
        return lti_launch.login_redirect(request, params)
    except (LtiException, OIDCException) as error:
        return refused(request, error)


@csrf_exempt
@require_POST
def launch(request):
    try:
        if (answer := storage.launch(request)) is not None:  # no cookie: checked by the platform's storage
            return answer
        found = lti_launch.validated(request)
    except Exception as error:  # pylti1p3 trips on some malformed tokens before it checks them: refuse those too
        return refused(request, error)
    lti_launch.enter(request, found)
    return lti_launch.Redirect(found)


@csrf_exempt  # posted from our own page in the LMS's frame, where no cookie of ours (CSRF's) comes back
@require_POST
def continue_launch(request):
    """A launch checked inside the frame, continued in a new window: signed in, at its page."""
    try:
        return redirect(storage.redeem(request))
    except lti_launch.Refused as error:
        return refused(request, error)


@require_GET
@cache_control(max_age=300, private=True)  # private: never kept by the shared page cache, so a rotation shows at once
def jwks(request):
    """The tool's public keys (``rotate_keys`` adds one and retires those older than a week)."""
    return JsonResponse(Key.objects.as_jwks())


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def pick(request):
    """The content picker a deep-linking launch opens: tick lectures and quizzes, send them back
    to the LMS signed; for htmx, the search swaps the list alone."""
    allowed = request.session.get(deep_linking.SESSION_KEY)
    if allowed is None:
        raise PermissionDenied(_("LMS의 콘텐츠 고르기에서 열어야 합니다."))
    if request.method == "POST":
        return _send_back(request, allowed)
    search = request.GET.get("q", "")[:100]
    context = {"search": search, **deep_linking.pickable(search, request.GET.getlist("item"))}
    partial = "#choices" if request.htmx and not request.htmx.history_restore_request else ""
    return render(request, f"lti/pick.html{partial}", context)


def _send_back(request, allowed):
    try:
        url, token = deep_linking.response(request, allowed, deep_linking.chosen(request.POST.getlist("item")))
    except deep_linking.PickError as error:
        context = {"error": str(error), "search": "", **deep_linking.pickable()}
        return render(request, "lti/pick.html", context, status=400)
    del request.session[deep_linking.SESSION_KEY]  # used once
    response = render(request, "lti/deep_link_return.html", {"return_url": url, "token": token})
    response.form_action = origin(url)  # its one form posts to the LMS (lti.middleware)
    return response


@login_required
@require_POST
def roster_sync(request, pk):
    """The class's managing staff read the LMS roster into it now."""
    mine = ContextClass.objects.filter(klass__in=Class.objects.with_role(request.user, MANAGING_ROLES))
    found = get_object_or_404(mine.select_related("klass", "context__deployment__registration"), klass_id=pk)
    try:
        synced = roster.sync(found)
    except (LtiException, requests.RequestException, KeyError, ValueError) as error:
        messages.error(request, _("LMS에서 명단을 가져오지 못했습니다: %(error)s") % {"error": error})
    else:
        messages.success(
            request,
            _("명단을 가져왔습니다: %(added)d명 들어옴, %(changed)d명 역할 바뀜, %(removed)d명 나감.") % vars(synced),
        )
    return redirect(found.klass)


@permission_required("lti_tool.add_ltiregistration")
@require_GET
def registration_link(request):
    """A new Dynamic Registration URL for an LMS administrator to paste (an hour, once)."""
    return render(request, "lti/registration_link.html", {"link": registration.new_link(request)})


@require_GET
def register(request, token):
    """Opened by the LMS with its OpenID configuration and registration token (Dynamic Registration)."""
    config_url = request.GET.get("openid_configuration", "")
    try:
        registered = registration.register(request, token, config_url, request.GET.get("registration_token", ""))
    except registration.RegistrationError as error:
        return refused(request, lti_launch.Refused(str(error)))
    response = render(request, "lti/registered.html", {"registration": registered})
    response.frame_ancestors = [origin(config_url)]  # the LMS shows it in its own dialog
    return response


@login_required
@require_http_methods(["GET", "POST"])
def link_account(request):
    """An account the LMS made: its holder moves the LMS identity onto the account they had here."""
    if not linking.made_by_lms(request.user):
        raise Http404
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            linking.link(request.user, form.get_user())
        except linking.LinkError as error:
            messages.error(request, str(error))
            return redirect("lti:link")
        return _signed_in_as(request, form.get_user())
    return render(request, "lti/link.html", {"form": form})


def _signed_in_as(request, user):
    framing = request.session.get(FRAME_SESSION_KEY)
    auth.login(request, user)
    if framing:
        request.session[FRAME_SESSION_KEY] = framing  # still inside the same LMS
    messages.success(request, _("LMS 신원을 이 계정에 연결했습니다. 앞으로 LMS에서 들어오면 이 계정입니다."))
    return redirect("learners:dashboard")
