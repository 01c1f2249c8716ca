"""The reminder e-mails: 48 hours before a due date, to each learner of the class who has not
finished it and has not turned reminders off; and once a week, a digest to the class's instructor
and co-instructors. ``send_reminders`` runs hourly (a Kubernetes CronJob, a compose service).

Each e-mail is claimed before it is sent, by a ``Reminder`` row unique per user and key: a second
run (or one running beside it) finds the claim and sends nothing twice. A message the mail server
refuses gives its claim back, so the next run tries it again. The queries are a fixed number per
due date and per class, whatever the number of learners."""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from classes import overview
from classes.models import MANAGING_ROLES, Class, Deadline, Extension, Membership, Reminder, Role
from course.models import Lecture
from learners.selectors import lectures_completed
from quizzes.models import Attempt, Quiz

AHEAD = timedelta(hours=48)
DIGEST_WEEKDAY, DIGEST_HOUR = 0, 8  # Monday 08:00 in the class's time zone


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)


@dataclass
class Mail:
    membership: Membership
    kind: str
    key: str
    template: str
    context: dict
    address: str = ""
    message: EmailMessage | None = None


_address_sources = []


def register_address_source(source):
    """``source(user_ids)`` gives {user id: address} for accounts without an e-mail of their own
    (the LTI app: the address their LMS gave); the account's own address always wins."""
    _address_sources.append(source)


def addresses(users):
    """{user id: where their mail goes} of ``users`` that have somewhere."""
    found = {user.pk: user.email for user in users if user.email}
    for source in _address_sources:
        missing = [user.pk for user in users if user.pk not in found]
        if not missing:
            break
        found |= {pk: address for pk, address in source(missing).items() if address and pk in missing}
    return found


def _reachable(memberships):
    """(the memberships whose user has an address, {user id: address})."""
    memberships = list(memberships.select_related("user"))
    to = addresses([m.user for m in memberships])
    return [m for m in memberships if m.user_id in to], to


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def send_reminders(now=None, connection=None):
    """Send what is due at ``now``; returns an Outcome."""
    now = now or timezone.now()
    mails = list(_due_mails(now)) + list(_digests(now))
    return _send(mails, connection or get_connection())


def _due_mails(now):
    """A learner's due date in (now, now + 48 h], their extension's where they have one."""
    window = Q(due_at__gt=now, due_at__lte=now + AHEAD)
    extended = Extension.objects.filter(due_at__gt=now, due_at__lte=now + AHEAD).values("deadline_id")
    deadlines = Deadline.objects.filter(window | Q(pk__in=extended), _published_target()).select_related(
        "klass", "quiz__section__lecture__course", "quiz__lecture__course", "lecture__course"
    )
    for deadline in deadlines:
        yield from _due_mails_of(deadline, now)


def _published_target():
    return Q(quiz__in=Quiz.objects.published()) | Q(lecture__in=Lecture.objects.published())


def _due_mails_of(deadline, now):
    klass = deadline.klass
    extensions = dict(deadline.extensions.values_list("user_id", "due_at"))
    members, to = _reachable(klass.memberships.filter(role=Role.LEARNER, reminders=True))
    done = _finished(deadline, [m.user_id for m in members])
    sent = set(Reminder.objects.filter(key__startswith=f"due:{deadline.pk}:").values_list("user_id", "key"))
    for membership in members:
        due_at = max(extensions.get(membership.user_id, deadline.due_at), deadline.due_at)
        key = f"due:{deadline.pk}:{due_at.isoformat()}"
        if membership.user_id in done or not now < due_at <= now + AHEAD or (membership.user_id, key) in sent:
            continue
        context = {
            "klass": klass,
            "deadline": deadline,
            "due_at": due_at,
            "extended": due_at > deadline.due_at,
            "target_url": absolute(deadline.target.get_absolute_url()),
            "class_url": absolute(klass.get_absolute_url()),
        }
        yield Mail(membership, Reminder.Kind.DUE, key, "classes/email/due", context, to[membership.user_id])


def _finished(deadline, user_ids):
    """Of ``user_ids``, those who have done the deadline's quiz or read all of its lecture."""
    if deadline.quiz_id:
        attempts = Attempt.objects.filter(quiz=deadline.quiz_id, user__in=user_ids, finished_at__isnull=False)
        return set(attempts.values_list("user_id", flat=True).distinct())
    return {user for user, _lecture in lectures_completed(user_ids, [deadline.lecture_id])}


def week_key(klass, now):
    """The class's week (ISO year and week, in its zone) once its digest hour has come, else None."""
    local = timezone.localtime(now, ZoneInfo(klass.time_zone))
    monday = (local - timedelta(days=local.weekday())).replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if local < monday:
        return None
    year, week, _ = local.isocalendar()
    return f"digest:{klass.pk}:{year}-W{week:02d}"


def _digests(now):
    for klass in Class.objects.select_related("course"):
        key = week_key(klass, now)
        if key is None:
            continue
        staff, to = _reachable(klass.memberships.filter(role__in=MANAGING_ROLES, reminders=True))
        if not staff or len(staff) == Reminder.objects.filter(key=key, user__in=[m.user_id for m in staff]).count():
            continue
        summary = overview.overview(klass, now)
        if not summary["learner_count"]:
            continue
        upcoming = klass.deadlines.filter(due_at__gt=now, due_at__lte=now + timedelta(days=7))
        context = {
            "klass": klass,
            **summary,
            "upcoming": list(upcoming.select_related("quiz", "lecture")),
            "overview_url": absolute(reverse("classes:overview", args=[klass.pk])),
            "gradebook_url": absolute(reverse("classes:gradebook", args=[klass.pk])),
        }
        for membership in staff:
            yield Mail(membership, Reminder.Kind.DIGEST, key, "classes/email/digest", context, to[membership.user_id])


def _render(mail):
    with translation.override(mail.membership.language), timezone.override(mail.membership.klass.time_zone):
        context = {**mail.context, "user": mail.membership.user}
        subject = " ".join(render_to_string(f"{mail.template}_subject.txt", context).split())
        body = render_to_string(f"{mail.template}.txt", context)
    return subject, body


def _send(mails, connection):
    outcome, run = Outcome(), uuid.uuid4().hex
    claims = []
    for mail in mails:
        subject, body = _render(mail)
        user = mail.membership.user
        claims.append(
            Reminder(
                user=user,
                klass=mail.membership.klass,
                kind=mail.kind,
                key=mail.key,
                address=mail.address,
                subject=subject[:200],
                run=run,
            )
        )
        mail.message = EmailMessage(subject, body, to=[mail.address])
    Reminder.objects.bulk_create(claims, ignore_conflicts=True, batch_size=500)
    mine = {(user, key): pk for pk, user, key in Reminder.objects.filter(run=run).values_list("pk", "user_id", "key")}
    sent = set()
    try:
        with connection:
            for mail in mails:
                claim = (mail.membership.user_id, mail.key)
                if claim not in mine:
                    continue
                try:
                    connection.send_messages([mail.message])
                except OSError as error:  # smtplib.SMTPException too: the server refused this one
                    outcome.failed += 1
                    outcome.errors.append(f"{mail.message.to[0]}: {error}")
                else:
                    sent.add(claim)
                    outcome.sent += 1
    finally:  # refused, or the server down, or the run stopped: unsent is unclaimed, for the next run
        unsent = [pk for claim, pk in mine.items() if claim not in sent]
        for start in range(0, len(unsent), 500):
            Reminder.objects.filter(pk__in=unsent[start : start + 500]).delete()
    return outcome
