"""Grades back to the LMS (LTI Assignment and Grade Services 2.0).

A launch to a quiz from a platform that offers AGS records a ``GradeLink``: the resource link's
line item, or where to create one. When the learner finishes an attempt (or an editor regrades
one), their grade by the class's policy goes into the ``ScoreOut`` outbox in the same
transaction, and is sent once it commits; a platform that is down, slow or refuses the token
leaves it there, and ``send_scores`` tries again with back-off (1, 2, 5, 15, 30 minutes, then
hourly; given up after a day, to be retried from the admin). A row is claimed before it is
sent and marked sent after: nothing is sent twice, nothing is lost. The token comes from the
platform's token endpoint with a JWT signed by the tool's key (pylti1p3's ServiceConnector).
"""

import hashlib
import json
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import requests
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from lti_tool.models import LtiUser
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.service_connector import ServiceConnector

from classes.gradebook import chosen
from core.cache import forget, remembered
from lti.models import GradeLink, ScoreOut
from quizzes.models import Attempt

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
TOKEN_KEPT = 300  # seconds: a platform's access token lasts an hour (Moodle's, Canvas's); kept well inside it
TIMEOUT = (3, 5)  # seconds to connect, to read: a learner's finishing answer waits for the first try
BACKOFF = [60, 120, 300, 900, 1800]  # then hourly
GIVE_UP_AFTER = 30  # tries: about a day


def link_launch(launch, quiz):
    """At a launch to ``quiz``: where its grade goes, if the platform offers scores (else None)."""
    claim = launch.get_claim(AGS_CLAIM) or {}
    scopes = claim.get("scope") or []
    if SCORE_SCOPE not in scopes or not (claim.get("lineitem") or claim.get("lineitems")):
        return None
    link, _created = GradeLink.objects.get_or_create(
        context=launch.context,
        resource_link_id=launch.resource_link_claim["id"],
        defaults={"registration": launch.registration, "quiz": quiz},
    )
    link.quiz, link.scopes, link.lineitems = quiz, scopes, claim.get("lineitems", "")
    link.lineitem = claim.get("lineitem") or link.lineitem  # keep the one we made, if the platform names none
    link.save()
    _forget_graded(launch.context)
    return link


GRADED_KEY = "lti-graded-quizzes:{}"


def graded_quizzes(user_id):
    """The quizzes whose grade goes back to an LMS for this user: kept in the shared cache, so a
    finished attempt of a learner who never came from an LMS asks no query (the answer's budget)."""
    links = GradeLink.objects.filter(context__memberships__user__auth_user=user_id)
    return remembered(GRADED_KEY.format(user_id), 600, lambda: frozenset(links.values_list("quiz_id", flat=True)))


def _forget_graded(context):
    users = LtiUser.objects.filter(memberships__context=context, auth_user__isnull=False)
    forget(GRADED_KEY.format(pk) for pk in users.values_list("auth_user_id", flat=True))


def queue(attempt):
    """The learner's grade for the attempt's quiz, by each class's policy, into the outbox of each
    LMS that links to it; sent once the transaction commits."""
    if attempt.user_id is None or attempt.quiz_id not in graded_quizzes(attempt.user_id):
        return
    links = GradeLink.objects.filter(
        quiz=attempt.quiz_id, context__memberships__user__auth_user=attempt.user_id
    ).select_related("context__course_class__klass")
    rows = []
    for link in links.distinct():
        klass = getattr(getattr(link.context, "course_class", None), "klass", None)
        if klass is None:  # the class was deleted: nobody's grade goes back through it
            continue
        sub = (
            LtiUser.objects.filter(registration=link.registration_id, auth_user=attempt.user_id)
            .values_list("sub", flat=True)
            .first()
        )
        finished = list(
            Attempt.objects.scored().filter(user=attempt.user_id, quiz=attempt.quiz_id, finished_at__isnull=False)
        )
        if sub is None or not finished:
            continue
        score = chosen(finished, klass.grade_policy).score
        link.scores.filter(user=attempt.user_id, status=ScoreOut.Status.PENDING).update(
            status=ScoreOut.Status.SUPERSEDED
        )
        rows.append(
            ScoreOut.objects.create(
                link=link,
                user_id=attempt.user_id,
                sub=sub,
                score_given=score.correct,
                score_maximum=score.total,
                timestamp=timezone.now(),
            )
        )
    if rows:
        transaction.on_commit(lambda: [deliver(row.pk) for row in rows])


def send_due(now=None):
    """Send every score whose turn has come; (sent, failed). What a stopped run left 'sending' for
    ten minutes is pending again."""
    now = now or timezone.now()
    stale = ScoreOut.objects.filter(status=ScoreOut.Status.SENDING, next_try_at__lt=now - timedelta(minutes=10))
    stale.update(status=ScoreOut.Status.PENDING)
    due = ScoreOut.objects.filter(status=ScoreOut.Status.PENDING, next_try_at__lte=now).order_by("next_try_at")
    results = [deliver(pk, now) for pk in due.values_list("pk", flat=True)[:1000]]
    return results.count(True), results.count(False)


def deliver(pk, now=None):
    """Send one score, if it is still pending and due: True once the platform has accepted it."""
    now = now or timezone.now()
    claimed = ScoreOut.objects.filter(pk=pk, status=ScoreOut.Status.PENDING, next_try_at__lte=now)
    if not claimed.update(status=ScoreOut.Status.SENDING, next_try_at=now):
        return None
    row = ScoreOut.objects.select_related("link__registration", "link__quiz").get(pk=pk)
    try:
        connector = Connector(row.link.registration)
        lineitem = row.link.lineitem or _create_lineitem(connector, row)
        connector.make_service_request(
            [SCORE_SCOPE], scores_url(lineitem), is_post=True, data=json.dumps(payload(row)), content_type=SCORE_TYPE
        )
    except Exception as error:  # whatever the platform answered (or did not): tried again later, counted
        row.tries += 1
        row.status = ScoreOut.Status.FAILED if row.tries >= GIVE_UP_AFTER else ScoreOut.Status.PENDING
        row.next_try_at = now + timedelta(seconds=BACKOFF[row.tries - 1] if row.tries <= len(BACKOFF) else 3600)
        row.last_error = str(error)[:2000]
        row.save(update_fields=["tries", "status", "next_try_at", "last_error"])
        return False
    row.status, row.sent_at, row.tries = ScoreOut.Status.SENT, timezone.now(), row.tries + 1
    row.save(update_fields=["status", "sent_at", "tries"])
    return True


def payload(row):
    return {
        "userId": row.sub,
        "scoreGiven": row.score_given,
        "scoreMaximum": row.score_maximum,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": row.timestamp.isoformat(timespec="milliseconds"),
    }


def scores_url(lineitem):
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


@transaction.atomic
def _create_lineitem(connector, row):
    """A line item of our own, when the launch named none but the platform lets the tool make one;
    the link is locked meanwhile, so two learners finishing at once make one column, not two."""
    link = GradeLink.objects.select_for_update().select_related("quiz").get(pk=row.link_id)
    if link.lineitem:
        return link.lineitem
    if LINEITEM_SCOPE not in link.scopes or not link.lineitems:
        raise LtiException("The platform gave no line item for this link and does not let the tool create one")
    item = {
        "scoreMaximum": row.score_maximum,
        "label": link.quiz.title,
        "resourceLinkId": link.resource_link_id,
        "resourceId": f"quiz-{link.quiz.pk}",
    }
    response = connector.make_service_request(
        [LINEITEM_SCOPE],
        link.lineitems,
        is_post=True,
        data=json.dumps(item),
        content_type=LINEITEM_TYPE,
        accept=LINEITEM_TYPE,
    )
    link.lineitem = response["body"]["id"]
    link.save(update_fields=["lineitem"])
    return link.lineitem


class Connector(ServiceConnector):
    """pylti1p3's, with the platform's access tokens kept in the shared cache for five minutes
    (every score and replica uses one, not a token request each; pylti1p3 does not pass on the
    platform's ``expires_in``), asked for again once when the platform refuses one (401 or 403:
    it expired or was revoked early)."""

    def __init__(self, registration):
        super().__init__(registration.to_registration(), requests_session=_session())
        self._registration_pk = registration.pk

    def _token_key(self, scopes):
        return f"lti-token:{self._registration_pk}:{hashlib.sha256(' '.join(sorted(scopes)).encode()).hexdigest()[:32]}"

    def get_access_token(self, scopes):
        key = self._token_key(scopes)
        if (token := cache.get(key)) is None:
            token = super().get_access_token(scopes)
            cache.set(key, token, TOKEN_KEPT)
        return token

    def make_service_request(self, scopes, *args, **kwargs):
        try:
            answer = super().make_service_request(scopes, *args, **kwargs)
        except LtiServiceException as error:
            if error.response.status_code not in (401, 403):  # a token expired or revoked early
                raise
            cache.delete(self._token_key(scopes))
            self._access_tokens.clear()
            answer = super().make_service_request(scopes, *args, **kwargs)
        return {**answer, "next_page_url": _next_page(answer["headers"])}


def _next_page(headers):
    """The Link header's rel="next" URL as the platform wrote it (pylti1p3 lower-cases it)."""
    link = next((value for name, value in headers.items() if name.lower() == "link"), "")
    found = [each["url"] for each in requests.utils.parse_header_links(link) if each.get("rel", "").lower() == "next"]
    return found[0] if found else None


class _Session(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def _session():
    return _Session()
