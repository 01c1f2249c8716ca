"""Regrading: quiz answers given to an older version of a question, marked again against the current one.

``plan`` says, before anything is written, what each answer would score; ``apply`` writes
exactly that plan (or refuses if answers came or went since it was shown), keeping the old
grade beside the new in a ``Regrade``. What the learner saw and chose (``Answer.shown``,
``Answer.given``) is never touched. Review answers are not regraded: they only scheduled the
next review, which is past.
"""

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import audit
from core.personal import learner_changed
from quizzes.kinds import AnswerError
from quizzes.models import Answer, Attempt, Choice, QuestionVersion, Regrade
from quizzes.signals import attempt_regraded


class StalePlan(Exception):
    """The answers changed since the plan was shown."""


@dataclass
class Change:
    answer: Answer
    new: float | None  # None: the answer cannot be read against the current version
    problem: str = ""

    @property
    def old(self):
        return self.answer.credit

    @property
    def delta(self):
        return None if self.new is None else round(self.new - self.old, 4)

    @property
    def learner(self):
        attempt = self.answer.attempt
        return (
            attempt.user.get_username() if attempt.user_id else _("방문자 %(key)s…") % {"key": attempt.session_key[:6]}
        )


@dataclass
class Plan:
    version: QuestionVersion
    changes: list

    @property
    def regradable(self):
        return [change for change in self.changes if change.new is not None]

    @property
    def changed(self):
        return [change for change in self.regradable if change.delta]

    @property
    def unreadable(self):
        return [change for change in self.changes if change.new is None]

    @property
    def digest(self):
        """What the editor confirms: the answers and their new grades."""
        rows = ",".join(f"{c.answer.pk}:{c.answer.version_id}:{c.new}" for c in self.changes)
        return hashlib.sha256(f"{self.version.pk}|{rows}".encode()).hexdigest()


def plan(question):
    """Each quiz answer graded against an older version, with its grade against the current one."""
    version = QuestionVersion.of(question)
    answers = (
        Answer.objects.filter(question=question)
        .exclude(version=version)
        .select_related("attempt__user", "version")
        .order_by("answered_at", "pk")
    )
    successors = _successors(question)
    return Plan(version, [_regraded(question, answer, successors) for answer in answers])


def _successors(question):
    """Every choice the question ever had → the current choice that stands for it now, or None."""
    every = {choice.pk: choice for choice in Choice.all_objects.filter(question=question)}
    current = {choice.pk: choice for choice in question.choices.all()}
    result = {}
    for choice in every.values():
        seen, step = set(), choice
        while step is not None and step.pk not in current and step.pk not in seen:
            seen.add(step.pk)
            step = every.get(step.replaced_by_id)
        result[choice.token] = current.get(step.pk) if step is not None else None
    return result


def _regraded(question, answer, successors):
    if answer.shown.get("kind", question.kind) != question.kind:
        return Change(answer, None, _("문제 종류가 바뀌어 다시 채점할 수 없습니다."))
    records = {r["token"]: r for r in answer.shown.get("choices", []) + answer.shown.get("pairs", [])}
    picked = [(records.get(token, {}), successors.get(token)) for token in answer.shown.get("chosen", [])]
    try:
        sent = question.kind_class.parse(question, **question.kind_class.resend(question, answer, picked))
    except AnswerError as error:
        return Change(answer, None, str(error))
    return Change(answer, question.mark(**sent).credit)


def apply(question, *, user, digest):
    """Write the plan the editor saw (its ``digest``); returns it. StalePlan if it changed since."""
    with transaction.atomic():
        current = plan(question)
        if current.digest != digest:
            raise StalePlan
        for change in current.regradable:
            Regrade.objects.create(
                answer=change.answer,
                from_version=change.answer.version,
                to_version=current.version,
                old_credit=change.old,
                new_credit=change.new,
                regraded_by=user,
            )
            Answer.objects.filter(pk=change.answer.pk).update(
                credit=change.new, is_correct=change.new >= 1, version=current.version
            )
            learner_changed(change.answer.attempt.owner_key)
        audit.record(user, audit.Action.REGRADED, question, summary(current))
        for attempt in {change.answer.attempt for change in current.regradable if change.answer.attempt.is_finished}:
            transaction.on_commit(lambda attempt=attempt: attempt_regraded.send(sender=Attempt, attempt=attempt))
    return current


def summary(plan):
    return ngettext(
        "%(n)d개 답을 %(version)s 기준으로 다시 채점: 점수가 바뀐 답 %(changed)d개, 다시 채점할 수 없는 답 %(unreadable)d개",
        "%(n)d개 답을 %(version)s 기준으로 다시 채점: 점수가 바뀐 답 %(changed)d개, 다시 채점할 수 없는 답 %(unreadable)d개",
        len(plan.regradable),
    ) % {
        "n": len(plan.regradable),
        "version": plan.version,
        "changed": len(plan.changed),
        "unreadable": len(plan.unreadable),
    }
