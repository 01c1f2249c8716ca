"""Signals other apps can listen to without quizzes knowing them."""

from django.dispatch import Signal

# Sent once when an attempt is finished (by answering the last question or by "제출"); kwargs: attempt.
attempt_finished = Signal()

# Sent once per finished attempt whose answers an editor regraded (quizzes.regrade); kwargs: attempt.
attempt_regraded = Signal()

# Sent after a new answer is stored in an attempt; kwargs: answer.
answer_recorded = Signal()
