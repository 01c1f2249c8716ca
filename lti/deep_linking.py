"""LTI Deep Linking 2.0: from the LMS's content picker, an instructor chooses lectures and
quizzes of this site; the tool answers with signed content items (pylti1p3's DeepLink), a quiz
carrying a line item (full marks, label) so that the platform treats it as gradable.

What the deep-linking launch allows is kept in the instructor's session, not in a cache that
may expire while they choose; it is used once."""

from django.db.models import Q
from django.utils.translation import gettext as _
from lti_tool.models import LtiRegistration
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from course.models import Lecture
from lti.members import context_roles
from quizzes.models import Quiz

SESSION_KEY = "lti_deep_link"
SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
CHOOSING_ROLES = ("Instructor", "Administrator", "ContentDeveloper")


class PickError(Exception):
    """A choice the platform would refuse; the message is shown on the picker."""


def may_choose(roles):
    """Course roles only: an institution's or the system's Instructor is no instructor of this course."""
    return bool(context_roles(roles) & set(CHOOSING_ROLES))


def allowed(launch):
    """What a deep-linking launch allows the picker: where its answer goes, and its settings."""
    return {
        "registration": launch.registration.pk,
        "deployment": launch.get_claim(DEPLOYMENT_CLAIM),
        "settings": launch.get_claim(SETTINGS_CLAIM) or {},
    }


def remember(session, launch):
    session[SESSION_KEY] = allowed(launch)


def pickable(search="", ticked=()):
    """The published lectures and quizzes, in course order: those matching ``search`` if given,
    and those already ticked (``ticked``: the boxes' values), so a search never drops a choice."""
    lectures = Lecture.objects.published().select_related("course").order_by("course__title", "number")
    quizzes = Quiz.objects.published().select_related("lecture__course", "section").order_by("lecture__number", "id")
    ids = _ids(ticked)
    if search:
        lectures = lectures.filter(
            Q(title__icontains=search) | Q(course__title__icontains=search) | Q(pk__in=ids["lecture"])
        )
        quizzes = quizzes.filter(
            Q(title__icontains=search) | Q(lecture__title__icontains=search) | Q(pk__in=ids["quiz"])
        )
    found = {"lectures": list(lectures), "quizzes": list(quizzes)}
    for item in found["lectures"]:
        item.ticked = item.pk in ids["lecture"]
    for item in found["quizzes"]:
        item.ticked = item.pk in ids["quiz"]
    return found


def _ids(values):
    """{"lecture": [pk, ...], "quiz": [...]} of boxes' values ("lecture-3", "quiz-7"), in order."""
    ids = {"lecture": [], "quiz": []}
    for value in values:
        kind, _sep, pk = value.partition("-")
        if kind in ids and pk.isdigit():
            ids[kind].append(int(pk))
    return ids


def chosen(values):
    """The lectures and quizzes of the picker's ticked boxes, in order."""
    ids = _ids(values)
    found = {
        ("lecture", lecture.pk): lecture
        for lecture in Lecture.objects.published().filter(pk__in=ids["lecture"]).select_related("course")
    }
    found |= {
        ("quiz", quiz.pk): quiz
        for quiz in Quiz.objects.published().filter(pk__in=ids["quiz"]).select_related("lecture__course", "section")
    }
    return [found[key] for key in ((kind, pk) for kind in ids for pk in ids[kind]) if key in found]


def response(request, allowed, items):
    """(the platform's return URL, the signed JWT with ``items`` as content items)."""
    settings = allowed["settings"]
    if not items:
        raise PickError(_("강의나 퀴즈를 하나 이상 고르세요."))
    if len(items) > 1 and settings.get("accept_multiple") is False:
        raise PickError(_("이 LMS는 한 번에 하나만 받습니다. 강의나 퀴즈를 하나만 고르세요."))
    if "ltiResourceLink" not in settings.get("accept_types", ["ltiResourceLink"]):
        raise PickError(_("이 LMS는 링크를 받지 않는다고 알려 왔습니다."))
    registration = LtiRegistration.objects.active().filter(pk=allowed["registration"]).first()
    if registration is None or not settings.get("deep_link_return_url"):
        raise PickError(_("이 LMS의 등록이 꺼졌거나 돌아갈 주소가 없습니다. LMS에서 콘텐츠 고르기를 다시 여세요."))
    link = DeepLink(registration.to_registration(), allowed["deployment"], settings)
    return settings["deep_link_return_url"], link.get_response_jwt([_resource(request, item) for item in items])


def _resource(request, item):
    resource = DeepLinkResource().set_url(request.build_absolute_uri(item.get_absolute_url().split("#")[0]))
    if isinstance(item, Quiz):
        resource.set_title(item.title)
        total = item.questions.count()
        resource.set_lineitem(
            LineItem().set_score_maximum(total).set_label(item.title).set_resource_id(f"quiz-{item.pk}")
        )
    else:
        resource.set_title(item.heading)
    return resource
