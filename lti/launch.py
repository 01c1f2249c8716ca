"""An LTI 1.3 launch: checked by pylti1p3 (through django-lti), then by what pylti1p3 leaves out,
and only then turned into a signed-in learner in the class their LMS course became.

pylti1p3 checks the state, the id_token's signature against the platform's JWKS (and so its key
id), its expiry, its audience (the registered client id), the deployment and the message's
required claims. It does not use a nonce up (``UsedNonce`` does), and django-lti creates a
deployment it has never seen (``ToolConfig`` refuses one instead). Nothing is written before
every check has passed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from urllib.parse import unquote, urlsplit

from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lti_tool.models import Key, LtiDeployment, LtiLaunch
from lti_tool.utils import DjangoToolConfig, sync_data_from_launch
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.deployment import Deployment

from classes.models import Class
from course.models import Course
from lti import deep_linking, grades, roster
from lti.members import account_for, role_of, take_part
from lti.middleware import remember_platform
from lti.models import ContextClass, UsedNonce
from quizzes.models import Quiz

LINK_NOTE = gettext_lazy(
    "LMS로 처음 들어와 이 사이트의 계정을 새로 만들었습니다. 원래 계정이 있었다면 %(url)s 에서 연결하세요."
)
REPLAYED = gettext_lazy("이미 한 번 쓴 실행 요청입니다. LMS에서 링크를 다시 눌러 주세요.")
TARGET_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
# What a resource link may open: the course, a lecture, a lesson, a quiz.
TARGETS = {"course:course-detail", "course:lecture-detail", "course:section-detail", "quizzes:quiz-detail"}


class Refused(Exception):
    """A launch this tool turns down after pylti1p3 accepted it; the message is shown."""


class ToolConfig(DjangoToolConfig):
    """django-lti's configuration, except that a deployment not registered (and active) in the
    admin is refused, not created; and the tool's first key pair is made when none is active yet
    (``rotate_keys`` makes the next ones)."""

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        if not Key.objects.active().exists():
            Key.objects.generate()
        return super().find_registration_by_params(iss, client_id, *args, **kwargs)

    def find_deployment(self, iss, deployment_id):
        return self._registered(registration__issuer=iss, deployment_id=deployment_id)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        return self._registered(
            registration__issuer=iss, registration__client_id=client_id, deployment_id=deployment_id
        )

    def _registered(self, **lookups):
        self.deployment = LtiDeployment.objects.filter(registration__is_active=True, is_active=True, **lookups).first()
        return Deployment().set_deployment_id(self.deployment.deployment_id) if self.deployment else None


def login_redirect(request, params):
    """The OIDC login initiation's answer: to the platform's authorisation endpoint, with a state
    (also set as a cookie) and a nonce, coming back to the launch URL."""
    oidc = DjangoOIDCLogin(request, ToolConfig(), launch_data_storage=DjangoCacheDataStorage())
    return oidc.redirect(request.build_absolute_uri(reverse("lti:launch")))


@dataclass
class Launch:
    launch: LtiLaunch
    course: Course | None  # None: the content picker (deep linking), not a page of a course
    target: str  # the path on this site it opens
    quiz: Quiz | None  # when it opens a quiz: graded, and its grade may go back
    after: Callable[[], object] | None = None  # what is left to do once the browser is on its way


class Redirect(HttpResponseRedirect):
    """A launch's redirect, then what the launch left to do (the day's roster): the WSGI server
    closes a response once it has sent it, so a slow platform delays no learner's page."""

    def __init__(self, found):
        super().__init__(found.target)
        self.after = found.after

    def close(self):
        super().close()
        if self.after is not None:
            self.after()


def validated(request, message=None):
    """The launch posted to us, every check passed and its nonce used up; or Refused, or
    pylti1p3's LtiException. ``message``: pylti1p3's launch to check, if not the usual one."""
    message = message or DjangoMessageLaunch(request, ToolConfig(), launch_data_storage=DjangoCacheDataStorage())
    message.validate()
    launch = LtiLaunch(message)
    if launch.is_deep_link_launch:
        if not deep_linking.may_choose(launch.roles_claim):
            raise Refused(_("강의나 퀴즈를 LMS에 넣는 일은 교수자만 할 수 있습니다."))
        _use_nonce(launch.get_launch_data())
        return Launch(launch, None, reverse("lti:pick"), None)
    if not launch.is_resource_launch:
        raise Refused(_("이 도구는 이런 실행 요청을 받지 않습니다: 강의나 퀴즈로 가는 링크와 콘텐츠 고르기만 엽니다."))
    if not (launch.context_claim or {}).get("id"):  # django-lti would file every such launch in one context
        raise Refused(_("LMS가 강좌(context)를 알려 주지 않았습니다. LMS 강좌 안의 링크로 여세요."))
    course, target, quiz = _target(request, launch.get_claim(TARGET_CLAIM) or "")
    _use_nonce(launch.get_launch_data())
    return Launch(launch, course, target, quiz)


def _target(request, uri):
    """(course, path, quiz or None) of the page the link opens: one of this site's course pages."""
    parts = urlsplit(uri)
    try:
        match = resolve(unquote(parts.path)) if parts.netloc in ("", request.get_host()) else None
    except Resolver404:
        match = None
    if match is None or match.view_name not in TARGETS:
        raise Refused(_("링크가 이 사이트의 강좌, 강의, 절이나 퀴즈를 가리키지 않습니다: %(uri)s") % {"uri": uri})
    quiz = None
    if match.view_name == "quizzes:quiz-detail":
        quiz = Quiz.objects.published().select_related("lecture__course").filter(slug=match.kwargs["slug"]).first()
        course = quiz.lecture.course if quiz else None
    else:
        course = Course.objects.published().filter(slug=match.kwargs["course_slug"]).first()
    if match.view_name == "course:section-detail":  # a lesson's grade is its knowledge check's
        quiz = (
            Quiz.objects.published()
            .filter(
                kind=Quiz.Kind.CHECK,
                section__slug=match.kwargs["section_slug"],
                section__lecture__slug=match.kwargs["lecture_slug"],
                lecture__course=course,
            )
            .first()
        )
    if course is None:
        raise Refused(_("링크가 가리키는 강좌나 퀴즈가 공개되어 있지 않습니다: %(uri)s") % {"uri": uri})
    return course, parts.path, quiz


def _use_nonce(body):
    use_once(body["iss"], body["nonce"], datetime.fromtimestamp(int(body["exp"]), tz=UTC))


def use_once(issuer, nonce, expires_at, refusal=REPLAYED):
    """Record ``nonce`` of ``issuer`` as used until ``expires_at``; Refused(``refusal``) if it was
    already (``UsedNonce`` is unique per issuer). Those past their time are dropped meanwhile."""
    try:
        with transaction.atomic():
            UsedNonce.objects.create(issuer=issuer, nonce=nonce, expires_at=expires_at)
    except IntegrityError:
        raise Refused(refusal) from None
    UsedNonce.objects.filter(expires_at__lt=timezone.now()).delete()


def enter(request, found):
    """The launch's user, signed in, and the session's pages framed by that platform alone."""
    user, first_time = admit(found)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    remember_platform(request, found.launch)
    if found.launch.is_deep_link_launch:
        deep_linking.remember(request.session, found.launch)
    if first_time:
        messages.info(request, LINK_NOTE % {"url": reverse("lti:link")})
    return user


@transaction.atomic
def admit(found):
    """(user, made now) of the launch: their own account, tied to (issuer, subject) and never found
    by e-mail; in the class their LMS course became, with the role the LMS gave them."""
    launch = found.launch
    sync_data_from_launch(launch)
    first_time = launch.user.auth_user_id is None
    user = account_for(launch.user)
    if found.course is not None:  # a link to open, not the content picker
        context_class = _class(launch.context, found.course)
        role = role_of(launch.roles_claim)
        if role is not None:
            take_part(context_class.klass, user, role)
        if roster.due(context_class):  # once the browser has its answer (``Redirect``)
            found.after = partial(roster.sync_quietly, context_class)
    if found.quiz is not None:
        grades.link_launch(launch, found.quiz)
    return user, first_time


def _class(context, course):
    """The ContextClass of the LMS course: its class, made on the first launch from it."""
    found = (
        ContextClass.objects.select_related("klass", "context__deployment__registration")
        .filter(context=context)
        .first()
    )
    if found is not None:
        return found
    name = context.title or context.label or _("LMS 강좌")
    klass = Class.objects.create(course=course, name=name[:100], joining_open=False)
    return ContextClass.objects.create(context=context, klass=klass)
