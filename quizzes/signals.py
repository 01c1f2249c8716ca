"""Signals other apps can listen to without quizzes knowing them."""

from django.dispatch import Signal

# Sent once when an attempt is finished (by answering the last question or by "제출"); kwargs: attempt.
attempt_finished = Signal()

# Sent after a new answer is stored in an attempt; kwargs: answer.
answer_recorded = Signal()
