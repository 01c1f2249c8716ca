"""Load a question bank file (quizzes/lecture-NN.toml) into a lecture's quizzes.

One transaction per file: the whole file is read into the dataclasses below first
(``core.files`` checks every field), a malformed entry raises ContentError naming the
file and the quiz and question at fault, and nothing changes. Loading twice changes nothing.
"""

from dataclasses import dataclass, field

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import files, sync
from core.cache import one_content_change
from core.files import ContentError, LoadReport, read_toml
from course.importer import MAX_LECTURE_NUMBER
from course.models import Lecture, Pattern, ReferenceUse
from quizzes.kinds import KINDS, kind_of
from quizzes.models import Choice, Question, Quiz

UNIT_LENGTH = Question._meta.get_field("unit").max_length


@dataclass
class QuestionEntry:
    key: str
    values: dict  # the Question fields, but the section (a slug here)
    section: str
    choices: list  # [text, correct, feedback] each
    patterns: list
    where: str

    @classmethod
    def read(cls, entry, where):
        kind = files.choice(entry, "kind", where, list(KINDS))
        values = {
            "kind": kind,
            "prompt": files.text(entry, "prompt", where, required=True),
            "explanation": files.text(entry, "explanation", where),
            "accepted_answers": "\n".join(files.strings(entry, "accepted", where) or cls._blanks(entry, where)),
            "unit": files.text(entry, "unit", where),
        }
        if len(values["unit"]) > UNIT_LENGTH:
            raise ContentError(_("%(where)s: 단위는 %(n)d자까지 적습니다.") % {"where": where, "n": UNIT_LENGTH})
        choices = kind_of(kind).bank_choices(entry, where)
        problems = Question(**values).choice_problems([(correct, text, *match) for text, correct, _, *match in choices])
        if problems:
            raise ContentError(f"{where}: {' '.join(str(p) for p in problems)}")
        key, section = files.text(entry, "key", where, required=True), files.text(entry, "section", where)
        return cls(key, values, section, choices, sorted(set(files.strings(entry, "patterns", where))), where)

    @staticmethod
    def _blanks(entry, where):
        """A cloze question's ``blanks = [["쿠버네티스", "Kubernetes"], ["파드"]]``: one line per blank."""
        blanks = entry.get("blanks", [])
        if not isinstance(blanks, list) or not all(isinstance(b, list) and b for b in blanks):
            raise ContentError(_("%(where)s: blanks는 빈칸마다 인정할 답의 목록이어야 합니다.") % {"where": where})
        if any("|" in answer for blank in blanks for answer in blank if isinstance(answer, str)):
            raise ContentError(_("%(where)s: 빈칸의 답에는 | 를 쓸 수 없습니다.") % {"where": where})
        return [" | ".join(files.strings({"blank": blank}, "blank", where)) for blank in blanks]


@dataclass
class QuizEntry:
    slug: str
    values: dict  # the Quiz fields, but lecture and section
    section: str
    questions: list = field(default_factory=list)
    where: str = ""

    @classmethod
    def read(cls, entry, where):
        kind = files.choice(entry, "kind", where, Quiz.Kind.values)
        values = {
            "kind": kind,
            "title": files.text(entry, "title", where, required=True),
            "pass_mark": files.integer(entry, "pass_mark", where, default=70, low=0, high=100),
            "shuffle": files.boolean(entry, "shuffle", where, default=True),
        }
        section = files.text(entry, "section", where, required=kind == Quiz.Kind.CHECK)
        questions = [
            QuestionEntry.read(q, place) for q, place in files.tables(entry, "question", where, shown="quiz.question")
        ]
        if not questions:
            raise ContentError(_("%(where)s: 문제가 하나도 없습니다.") % {"where": where})
        return cls(files.text(entry, "slug", where, required=True), values, section, questions, where)


def read_bank(path):
    """The lecture number and the quizzes of a bank file, every field checked; nothing is saved."""
    data = read_toml(path)
    if "lecture" not in data:
        raise ContentError(_("%(where)s: 필수 항목이 없습니다: %(keys)s") % {"where": path, "keys": "lecture"})
    number = files.integer(data, "lecture", path, default=None, low=1, high=MAX_LECTURE_NUMBER)
    quizzes = [QuizEntry.read(entry, where) for entry, where in files.tables(data, "quiz", path)]
    keys = [question.key for quiz in quizzes for question in quiz.questions]
    for quiz in quizzes:
        for question in quiz.questions:
            if keys.count(question.key) > 1:
                raise ContentError(_("%(where)s: 같은 key가 이미 있습니다.") % {"where": question.where})
    return number, quizzes


def _section(lecture, slug, where):
    if not slug:
        return None
    section = lecture.sections.filter(slug=slug).first()
    if section is None:
        raise ContentError(_("%(where)s: 이 강의에 없는 절입니다: %(slug)s") % {"where": where, "slug": slug})
    return section


def _load_quiz(lecture, entry, report, force):
    quiz = Quiz.objects.filter(slug=entry.slug).first() or Quiz(slug=entry.slug)
    section = _section(lecture, entry.section, entry.where) if entry.values["kind"] == Quiz.Kind.CHECK else None
    values = entry.values | {"lecture": lecture, "section": section}
    probe = Quiz(pk=quiz.pk, **values)
    probe._state.adding = quiz._state.adding  # so the check does not find the quiz itself
    try:
        probe.validate_constraints()
    except ValidationError as error:
        raise ContentError(f"{entry.where}: {' '.join(error.messages)}") from error
    report.outcome(sync.apply(quiz, values, force=force), _("퀴즈 %(slug)s") % {"slug": quiz.slug})
    for order, question in enumerate(entry.questions, start=1):
        _load_question(quiz, lecture, question, order, report, force)
    _remove_questions_not_in_file(quiz, [question.key for question in entry.questions], entry.where, report)


def _load_question(quiz, lecture, entry, order, report, force, question=None):
    """Load one question. ``question`` is the one already stored under this key, if the caller
    read them all at once (with their choices and patterns); a fixed number of queries either way."""
    patterns = list(Pattern.objects.filter(slug__in=entry.patterns)) if entry.patterns else []
    if missing := sorted(set(entry.patterns) - {p.slug for p in patterns}):
        raise ContentError(
            _("%(where)s: 없는 패턴입니다: %(slugs)s") % {"where": entry.where, "slugs": ", ".join(missing)}
        )
    if question is None:
        question = Question.objects.filter(quiz=quiz, key=entry.key).first() or Question(quiz=quiz, key=entry.key)
    values = entry.values | {"order": order, "section": _section(lecture, entry.section, entry.where)}
    existing = list(question.choices.all()) if question.pk else []
    current = {
        "choices": [[c.text, c.is_correct, c.feedback, *filter(None, [c.match])] for c in existing],
        "patterns": sorted(p.slug for p in question.patterns.all()) if question.pk else [],
    }
    wanted = {"choices": entry.choices, "patterns": entry.patterns}
    result = sync.apply(question, values, force=force, extra=wanted, current_extra=current, optional=("unit",))
    if result in (sync.CREATED, sync.UPDATED):
        if patterns or result == sync.UPDATED:
            question.patterns.set(patterns)
        _replace_choices(question, existing, entry.choices)
    report.outcome(result, _("문제 %(key)s") % {"key": question.key})


def _replace_choices(question, existing, wanted):
    """Rewrite choices in place (their tokens stay), adding or removing at the end. A choice that
    an answer picked is never rewritten or deleted: it is retired and a new one takes its place.
    New choices are written in one query."""
    added = []
    for order, (text, correct, feedback, *match) in enumerate(wanted, start=1):
        values = {"order": order, "text": text, "is_correct": correct, "feedback": feedback, "match": "".join(match)}
        if order > len(existing):
            added.append(Choice(question=question, **values))
            added[-1].render_markdown()
        elif any(getattr(existing[order - 1], name) != value for name, value in values.items()):
            existing[order - 1].revise(values)
    ReferenceUse.record(Choice.objects.bulk_create(added), new=True)
    if reversion.is_active():  # bulk-created choices send no save signal: the question's revision holds them too
        for choice in added:
            reversion.add_to_revision(choice)
    for extra in existing[len(wanted) :]:
        extra.remove()


def _remove_questions_not_in_file(quiz, keys, where, report):
    gone = quiz.questions.exclude(key__in=keys)
    answered = list(gone.filter(answers__isnull=False).distinct().values_list("key", flat=True))
    if answered:
        raise ContentError(
            _(
                "%(where)s: 파일에서 빠진 문제 %(keys)s에 학습자의 답안이 있어 지울 수 없습니다. "
                "학습 기록은 지우지 않습니다: 문제를 파일에 남겨 두거나, 퀴즈를 비공개로 돌리세요."
            )
            % {"where": where, "keys": ", ".join(answered)}
        )
    removed = gone.count()
    gone.delete()
    report.note(bool(removed), _("퀴즈 %(slug)s에서 파일에 없는 문제 %(n)d개 삭제") % {"slug": quiz.slug, "n": removed})


def load_quiz_file(path, course, *, force=False):
    number, quizzes = read_bank(path)
    report = LoadReport()
    with one_content_change(), transaction.atomic():
        lecture = Lecture.objects.filter(course=course, number=number).first()
        if lecture is None:
            raise ContentError(
                _("%(path)s: 강좌에 %(number)s강이 없습니다. 강의를 먼저 불러오세요.")
                % {"path": path, "number": number}
            )
        for entry in quizzes:
            _load_quiz(lecture, entry, report, force)
    return report
