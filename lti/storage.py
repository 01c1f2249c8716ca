"""LTI Client Side postMessage storage (1EdTech's platform storage), for a browser that keeps none
of our cookies inside the LMS's iframe (``lti.cookies`` finds out). The platform names a frame
of its page (``lti_storage_target``) that keeps values for us:

1. Login initiation: our page puts the state and the nonce there (``lti.put_data``), then goes
   to the platform's auth endpoint. The state is also kept here, five minutes, used once.
2. The launch, posted without cookies: our page reads them back (``lti.get_data``) and posts the
   launch again with what it read, from our own origin. Only a browser that did step 1 has them.
3. The launch checked, the learner cannot stay signed in inside the frame (no cookie would come
   back), so they continue in a new window: a form posts a signed, two-minute, single-use ticket
   there, where our cookies are first-party; it signs them in and opens the page.

Steps 2 and 3 take only posts from our own pages (their ``Origin``): another site cannot replay a
launch or a ticket of its own in a learner's browser and sign them in as someone else.
"""

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core import signing
from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin

from lti import cookies, deep_linking
from lti import launch as lti_launch
from lti.middleware import origin, platform_origins

TARGET = "lti_storage_target"
LIFETIME = 300  # seconds: the state's, as pylti1p3 gives its state cookie
TICKET_SALT, TICKET_AGE = "lti.storage.ticket", 120
TICKET_ISSUER = "this-site:ticket"  # a ticket's id in UsedNonce, beside the platforms' nonces


NOT_FROM_HERE = gettext_lazy("이 사이트의 페이지가 보낸 요청이 아닙니다.")
NOT_STORED = gettext_lazy("LMS의 저장소에 이 브라우저가 시작한 로그인이 없습니다. LMS에서 링크를 다시 눌러 주세요.")


class NoCookieStorage(DjangoCacheDataStorage):
    """pylti1p3's cache storage without its session cookie (none would come back): the nonce is
    kept under its own value, as pylti1p3 does over plain HTTP."""

    def get_session_cookie_name(self):
        return None


def _key(state):
    return f"lti-storage-state:{state}"


def wanted(params):
    return bool(params.get(TARGET))


def login_page(request, params):
    """Step 1: the page that puts the state and nonce into the platform's storage, then goes to
    the platform; if its storage does not answer, the same launch in a new window (lti.cookies)."""
    oidc = DjangoOIDCLogin(request, lti_launch.ToolConfig(), launch_data_storage=NoCookieStorage())
    auth_url = oidc.get_redirect_object(request.build_absolute_uri(reverse("lti:launch"))).get_redirect_url()
    query = {name: values[0] for name, values in parse_qs(urlsplit(auth_url).query).items()}
    platform = origin(auth_url)
    framed_by = cookies.platform_origins(params)
    kept = {"nonce": query["nonce"], "platform": platform, "frame": params[TARGET], "framed_by": framed_by}
    cache.set(_key(query["state"]), kept, LIFETIME)
    put = {"frame": params[TARGET], "origin": platform, "state": query["state"], "nonce": query["nonce"]}
    context = {**cookies.new_window_context(params), "storage": {**put, "next": auth_url}}
    response = _private(render(request, "lti/storage.html", context))
    response.frame_ancestors = framed_by
    return response


def launch(request):
    """The launch view's answer on this path, or None for a launch that came with its cookie."""
    state = request.POST.get("state", "")
    if request.COOKIES.get(f"lti1p3-{state}") or (kept := cache.get(_key(state))) is None:
        return None
    if "stored_state" not in request.POST:
        return _read_back(request, state, kept)
    return _continue_page(request, _validated(request, state, kept))


def _private(response):
    """For this browser alone (it holds a state, a nonce or a ticket). Not ``course.views.unshared``:
    its ``no-referrer`` policy would make the next post's Origin ``null``, which ``from_here`` refuses."""
    response["Cache-Control"] = "private, no-store"
    return response


def _read_back(request, state, kept):
    """Step 2's page: read the state and nonce back from the platform's storage, post them here."""
    frame = request.POST.get(TARGET) or kept.get("frame", "")  # a platform may name it at login only
    get = {"frame": frame, "origin": kept["platform"], "state": state, "nonce": kept["nonce"]}
    form = {"id_token": request.POST.get("id_token", ""), "state": state}
    response = _private(render(request, "lti/storage.html", {"storage": {**get, "form": form}}))
    response.frame_ancestors = kept["framed_by"]
    return response


def _validated(request, state, kept):
    if not from_here(request):
        raise lti_launch.Refused(NOT_FROM_HERE)
    if not cache.delete(_key(state)):  # used once: a second post of the same launch finds nothing
        raise lti_launch.Refused(lti_launch.REPLAYED)
    if request.POST["stored_state"] != state or request.POST.get("stored_nonce") != kept["nonce"]:
        raise lti_launch.Refused(NOT_STORED)
    message = StoredStateLaunch(request, lti_launch.ToolConfig(), launch_data_storage=NoCookieStorage())
    message.expected_nonce = kept["nonce"]
    return lti_launch.validated(request, message)


class StoredStateLaunch(DjangoMessageLaunch):
    """The state was checked against the platform's storage (``_validated``), not a cookie; the
    id_token's nonce must be the one that login issued (any other storage login's would pass
    pylti1p3's check), checked before any nonce is used up or launch kept."""

    expected_nonce = None

    def validate_state(self):
        return self

    def validate_nonce(self):
        if self._get_jwt_body().get("nonce") != self.expected_nonce:
            raise lti_launch.Refused(NOT_STORED)
        return super().validate_nonce()


def from_here(request):
    return request.headers.get("Origin") == origin(request.build_absolute_uri("/"))


def _continue_page(request, found):
    """Step 3's page: the launch's records made, and a ticket to continue in a new window."""
    user, first_time = lti_launch.admit(found)
    if found.after is not None:  # the day's roster: this rare page waits for it
        found.after()
    ticket = {
        "id": uuid.uuid4().hex,
        "user": user.pk,
        "target": found.target,
        "first": first_time,
        "pick": deep_linking.allowed(found.launch) if found.launch.is_deep_link_launch else None,
    }
    response = _private(render(request, "lti/continue.html", {"ticket": signing.dumps(ticket, salt=TICKET_SALT)}))
    response.frame_ancestors = platform_origins(found.launch)
    return response


def redeem(request):
    """The new window's post: its user signed in (first-party cookies now), and where to go."""
    if not from_here(request):
        raise lti_launch.Refused(NOT_FROM_HERE)
    try:
        ticket = signing.loads(request.POST.get("ticket", ""), salt=TICKET_SALT, max_age=TICKET_AGE)
    except signing.SignatureExpired:
        raise lti_launch.Refused(_("새 창으로 이어 가는 시간이 지났습니다. LMS에서 링크를 다시 눌러 주세요.")) from None
    except signing.BadSignature:
        raise lti_launch.Refused(_("이 사이트가 만든 것이 아닌 요청입니다.")) from None
    expires = timezone.now() + timedelta(seconds=TICKET_AGE)
    lti_launch.use_once(
        TICKET_ISSUER, ticket["id"], expires, _("이미 한 번 쓴 요청입니다. LMS에서 링크를 다시 눌러 주세요.")
    )
    user = get_user_model().objects.filter(pk=ticket["user"], is_active=True).first()
    if user is None:  # deactivated in the two minutes since
        raise lti_launch.Refused(_("이 계정은 쓸 수 없습니다. 이 사이트의 관리자에게 물어보세요."))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if ticket["pick"] is not None:
        request.session[deep_linking.SESSION_KEY] = ticket["pick"]
    if ticket["first"]:
        messages.info(request, lti_launch.LINK_NOTE % {"url": reverse("lti:link")})
    return ticket["target"]
