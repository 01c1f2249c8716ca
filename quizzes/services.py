"""Taking a quiz: answering, finishing and retrying, for a learner (learners.learner).

Every write that touches more than one row lives here. Uniqueness is enforced by
the database (one answer per question per attempt, one open attempt per learner
and quiz), so a double click, a replay or two concurrent requests cannot record
two answers or reopen a finished attempt.
"""

from dataclasses import dataclass, field

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.cache import cached_fragment
from core.personal import learner_changed
from core.timing import write_transaction
from course.drafts import PREVIEW_MAX_AGE
from course.models import Draft
from quizzes.kinds import AnswerError
from quizzes.models import (
    Answer,
    Attempt,
    Question,
    Score,
    as_points,
    first_shuffle_seed,
    new_shuffle_seed,
)
from quizzes.signals import answer_recording, attempt_finished


@dataclass
class QuestionState:
    """What a page needs to show one question: in order, with the learner's answer if any."""

    question: Question
    number: int
    choices: list
    pairs: list = field(default_factory=list)  # matching: the descriptions to pick from
    answer: Answer | None = None
    error: str = ""
    # What the learner sent when it could not be recorded, to show again with the error.
    posted: dict = field(default_factory=dict)
    # Where the form posts (the quiz's answer URL when empty), and for a review card its
    # version and, once answered, when it returns ("2일"; learners.review).
    action: str = ""
    version: int | None = None
    next_review: str = ""

    @property
    def answered(self):
        return self.answer is not None

    @property
    def chosen_tokens(self):
        """The tokens the answer chose, or, before it, those last sent."""
        return set(self.answer.shown.get("chosen", ()) if self.answer else self.posted.get("tokens", ()))

    @property
    def given_text(self):
        return self.posted.get("text", "")

    @property
    def slots(self):
        """Ordering: (position, item placed there), as shuffled or as last sent."""
        by_token = {c.token: c for c in self.choices}
        tokens = self.posted.get("tokens") or list(by_token)
        return [(n, by_token[t]) for n, t in enumerate(tokens, start=1) if t in by_token]

    @property
    def rows(self):
        """Matching: (term, token of the description picked for it), as last sent."""
        picked = dict(zip(self.posted.get("tokens", ()), self.posted.get("parts", ()), strict=False))
        return [(term, picked.get(term.token, "")) for term in self.choices]

    @property
    def gaps(self):
        """Cloze: (blank number, text typed in it), as last sent."""
        typed = list(self.posted.get("parts", ()))
        return [(n, typed[n - 1] if n <= len(typed) else "") for n in range(1, len(self.question.blanks) + 1)]

    @property
    def cloze(self):
        """Cloze: the prompt cut at its blanks, each blank with what was typed in it and, once
        answered, its item as marked; and the HTML after the last blank."""
        pieces, rest = self.question.prompt_pieces()
        typed = dict(self.gaps)
        marked = self.items if self.answer else [None] * len(pieces)
        blanks = [
            {"before": before, "n": n, "glued": glued, "typed": typed.get(n, ""), "item": item}
            for (before, n, glued), item in zip(pieces, marked, strict=False)
        ]
        return {"blanks": blanks, "rest": rest}

    @property
    def items(self):
        """Ordering, matching, cloze: each item as answered and marked, or the solution if unanswered,
        with its name."""
        items = self.answer.given if self.answer else self.question.solution()
        return [{**item, "name": self.question.item_name(n, item["label"])} for n, item in enumerate(items, start=1)]

    @property
    def regraded_key(self):
        """After a regrade, the question as the version it was last graded against, unanswered:
        what the attempt page shows as that version's key, beside what the learner saw."""
        if self.answer is None or self.answer.version is None or not self.answer.regrades.all():
            return None
        question, choices, _pairs = self.question.as_version(self.answer.version)
        return QuestionState(question=question, number=self.number, choices=choices)

    @property
    def points(self):
        """What the question earned, of its 1 point."""
        return as_points(self.answer.credit if self.answer else 0)

    @property
    def credit_percent(self):
        return round(100 * self.answer.credit) if self.answer else 0

    @property
    def item_count(self):
        return self.question.kind_class.item_count(self.question, self.choices)

    @property
    def right_items(self):
        return sum(1 for item in self.items if item["right"])

    @property
    def right_count(self):
        return sum(1 for c in self.choices if c.is_correct)


def posted(data):
    """An answer as a form sends it: chosen tokens (in order), typed text, and per-item parts."""
    return {"tokens": data.getlist("choice"), "text": data.get("text", ""), "parts": data.getlist("part")}


def attempt_latest(quiz, owner):
    if not owner.is_known:
        return None
    attempt = Attempt.objects.owned_by(owner).filter(quiz=quiz).first()
    if attempt is not None:
        attempt.quiz = quiz  # the shuffle and the score read it; no need to fetch it again
    return attempt


def _attempt_open(quiz, owner):
    """The owner's open attempt, created if needed; safe against concurrent creation."""
    attempt = Attempt.objects.owned_by(owner).filter(quiz=quiz, finished_at__isnull=True).first()
    if attempt:
        return attempt
    number = Attempt.objects.owned_by(owner).filter(quiz=quiz).count() + 1
    try:
        with transaction.atomic():
            attempt = _new_attempt(quiz, owner, number)
            attempt.save()
            return attempt
    except IntegrityError:
        return Attempt.objects.owned_by(owner).get(quiz=quiz, finished_at__isnull=True)


def _new_attempt(quiz, owner, number=1):
    """An attempt not yet saved; the first takes the shuffle every learner saw before answering."""
    seed = first_shuffle_seed(quiz) if number == 1 else new_shuffle_seed()
    return Attempt(quiz=quiz, number=number, pass_mark=quiz.pass_mark, shuffle_seed=seed, **owner.fields)


def parse_answer(question, tokens=(), text="", parts=()):
    """The submitted answer as ``Question.mark`` takes it: chosen choices (in the order posted),
    typed text, and the per-item parts (matching: a description per term; cloze: a text per blank).
    AnswerError when it cannot be graded; then nothing is recorded."""
    return question.kind_class.parse(question, tokens, text, parts)


@dataclass
class Submission:
    """What one answer POST did: the attempt as it is now, with its answers, or why nothing was recorded."""

    attempt: Attempt | None = None
    answers: list | None = None  # None: not read yet
    error: str = ""


def answer_submit(*, quiz, question, owner, tokens=(), text="", parts=()):
    """Grade and record one answer; return (answer, created, Submission). Raises AnswerError for bad input.

    Everything is read first. Then one short write transaction opens the attempt at the first
    answer, stores the answer, lets ``answer_recording``'s listeners write (the review card) and
    finishes the attempt at the last answer: on SQLite the write lock is held for inserts and
    updates only. A second submit of the same question returns the first answer unchanged.
    """
    if question.quiz_id != quiz.pk:
        raise AnswerError(_("이 퀴즈의 문제가 아닙니다."))
    for _try in range(2):  # a concurrent request may open the attempt first: then read again, once
        attempt = attempt_latest(quiz, owner)
        answers = list(attempt.answers.all()) if attempt else []
        if existing := next((a for a in answers if a.question_id == question.pk), None):
            return existing, False, Submission(attempt, answers)
        if attempt is not None and attempt.is_finished:
            raise AnswerError(_("이미 끝낸 응시입니다. '다시 풀기'를 눌러 새로 시작하세요."))
        try:
            # The first answer the owner ever gives this quiz, known for sure only on the first try.
            first_time = attempt is None and _try == 0
            attempt = attempt or _new_attempt(quiz, owner)
            answer = _record(quiz, question, owner, attempt, answers, (tokens, text, parts), first_time)
        except IntegrityError:
            continue
        return answer, True, Submission(answer.attempt, [*answers, answer])
    raise AnswerError(_("답을 저장하지 못했습니다. 잠시 뒤에 다시 눌러 주세요."))


def _record(quiz, question, owner, attempt, answers, sent, first_time):
    """The write transaction of ``answer_submit``, with everything it needs read beforehand."""
    given = parse_answer(question, *sent)
    mark = question.mark(**given)
    arranged = attempt.arrange(question, question.choices.all())
    answer = Answer.build(question=question, arranged=arranged, sent=given, mark=mark, attempt=attempt)
    answer.question = question
    signal = answer_recording.send(
        Answer, owner=owner, question=question, attempt=attempt, correct=mark.is_correct, first_time=first_time
    )
    writes = [write for _receiver, write in signal]
    last = len(answers) + 1 >= len(quiz_questions(quiz))
    new = attempt.pk is None
    try:
        with write_transaction() as begun, transaction.atomic():
            begun()  # SQLite's BEGIN IMMEDIATE has taken the write lock
            if new:
                attempt.save()
            answer.attempt = attempt  # now with its key
            answer.save_with_choices()
            for write in filter(None, writes):
                write(answer)
            if last:
                credit = sum(a.credit for a in answers) + answer.credit
                score = Score(credit, len(answers) + 1, len(quiz_questions(quiz)), attempt.pass_mark)
                _finish(attempt, score.total, owner=owner, score=score)
    except IntegrityError:
        if new:
            attempt.pk = None  # rolled back
        raise
    learner_changed(attempt.owner_key)
    return answer


PREVIEW_CHECK_SALT = "quizzes.preview-check"


def preview_check_token(draft, question_pk):
    """What a preview's question form carries: proof that its page was ``draft``'s preview (an
    editor's, or a signed link's). Good while that draft lasts (published or dropped, it ends)."""
    return signing.dumps([draft.pk, question_pk], salt=PREVIEW_CHECK_SALT)


def preview_check(question_pk, token, sent):
    """A preview's answer graded and shown as a learner's would be, recorded nowhere (not even a
    question version): (the answered QuestionState, its ``error`` set and unanswered for input that
    cannot be graded; the draft previewed). Raises signing.BadSignature for a token no preview of a draft that still
    exists gave, for this question; Question.DoesNotExist for a question gone."""
    draft_pk, signed_pk = signing.loads(token, salt=PREVIEW_CHECK_SALT, max_age=PREVIEW_MAX_AGE)
    quiz = Question.objects.select_related("quiz").get(pk=question_pk).quiz
    draft = Draft.objects.filter(pk=draft_pk).select_related("content_type").first()
    if signed_pk != question_pk or draft is None or not _previews_quiz_of(draft, quiz):
        raise signing.BadSignature("not a question of a draft's preview")
    [state] = question_states(quiz, None, answers=[], only=question_pk)  # as a first-time visitor sees it
    try:
        given = parse_answer(state.question, **sent)
    except AnswerError as error:
        state.error, state.posted = str(error), sent
        return state, draft
    mark = state.question.mark(**given)
    arranged = (state.choices, state.pairs)
    answer = Answer.build(question=state.question, arranged=arranged, sent=given, mark=mark, versioned=False)
    answer.question = state.question
    [state] = question_states(quiz, None, answers=[answer], only=question_pk)
    return state, draft


def _previews_quiz_of(draft, quiz):
    """Whether ``draft``'s preview shows ``quiz``: the quiz's own, its section's or its lecture's."""
    linked = {"quiz": quiz.pk, "section": quiz.section_id, "lecture": quiz.lecture_id}
    return linked.get(draft.content_type.model) == draft.object_id


def answer_or_error(*, quiz, question, owner, sent):
    """``answer_submit`` for a view: a Submission, with the message of input that could not be recorded."""
    try:
        _answer, _created, submission = answer_submit(quiz=quiz, question=question, owner=owner, **sent)
    except AnswerError as error:
        return Submission(error=str(error))
    return submission


def attempt_finish(*, attempt):
    """Close the attempt; unanswered questions count as wrong. Finishing twice changes nothing."""
    with transaction.atomic():
        _finish(attempt, Question.objects.filter(quiz=attempt.quiz_id).count())
    learner_changed(attempt.owner_key)
    attempt.refresh_from_db(fields=["finished_at", "question_count"])
    return attempt


def _finish(attempt, question_count, **known):
    """Close the attempt, in the caller's transaction, so the listeners' writes (a completed section)
    join it; ``known``: the owner and the score, when the caller has them, so listeners need not read them."""
    now = timezone.now()
    if Attempt.objects.filter(pk=attempt.pk, finished_at__isnull=True).update(
        finished_at=now, question_count=question_count
    ):
        attempt.finished_at, attempt.question_count = now, question_count
        attempt_finished.send(sender=Attempt, attempt=attempt, **known)


def attempt_retry(*, quiz, owner):
    """Start over: finish what is open and open a new attempt (an empty open one is reused)."""
    latest = attempt_latest(quiz, owner)
    if latest is not None and not latest.is_finished:
        if not latest.answers.exists():
            return latest
        attempt_finish(attempt=latest)
    return _attempt_open(quiz, owner)


def score(quiz, attempt, answers):
    return Score(
        correct=sum(a.credit for a in answers),
        answered=len(answers),
        total=attempt.question_count if attempt and attempt.question_count is not None else len(quiz_questions(quiz)),
        pass_mark=attempt.pass_mark if attempt else quiz.pass_mark,
    )


def quiz_questions(quiz):
    """The quiz's questions in order, with their choices, patterns and sections.

    Shared through the cache and kept in each process's memory (frozen): nothing changes them.
    """
    return cached_fragment(
        "questions",
        quiz.pk,
        frozen=True,
        # From Question, with the quiz from the database: through ``quiz.questions`` each question
        # would hold the ``quiz`` given, a draft's unsaved values in a preview, in this shared value.
        build=lambda: list(
            Question.objects.filter(quiz=quiz.pk)
            .prefetch_related("choices", "patterns")
            .select_related("quiz", "section__lecture__course")
        ),
    )


def attempt_answers(attempt, with_versions=False):
    if attempt is None:
        return []
    answers = attempt.answers.all()
    if with_versions:
        answers = answers.select_related("version").prefetch_related("regrades__from_version", "regrades__to_version")
    return answers


def question_states(quiz, attempt, *, with_versions=False, answers=None, only=None):
    """Questions in order with choices (shuffled per attempt) and answers, in a fixed number of queries;
    ``with_versions`` adds the version each answer was graded against and its regrades. ``answers``:
    the attempt's answers when the caller has them already; ``only``: the one question wanted."""
    questions = quiz_questions(quiz)
    if answers is None:
        answers = attempt_answers(attempt, with_versions)
    answers = {a.question_id: a for a in answers}
    # Before the first answer there is no attempt yet: shuffle as attempt number 1 will,
    # so the order does not change under the learner's eyes.
    shuffler = attempt or Attempt(quiz=quiz, number=1, shuffle_seed=first_shuffle_seed(quiz))
    states = []
    for number, question in enumerate(questions, start=1):
        if only is not None and question.pk != only:
            continue
        answer = answers.get(question.pk)
        if answer is not None:
            question, choices, pairs = question.as_shown(answer.shown)
        else:
            choices, pairs = shuffler.arrange(question, question.choices.all())
        states.append(QuestionState(question=question, number=number, choices=choices, pairs=pairs, answer=answer))
    return states
