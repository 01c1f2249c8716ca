"""Signals other apps can listen to without quizzes knowing them."""

from django.dispatch import Signal

# Sent once when an attempt is finished (by answering the last question or by "제출"), inside the
# transaction that finishes it; kwargs: attempt, and owner and score (a Score) when the sender knows them.
attempt_finished = Signal()

# Sent once per finished attempt whose answers an editor regraded (quizzes.regrade); kwargs: attempt.
attempt_regraded = Signal()

# Sent before a new quiz answer is stored, outside its write transaction; kwargs: owner, question,
# attempt (unsaved at the first answer), correct (whether the answer is wholly right), first_time
# (the owner has never answered this quiz before: nothing of theirs about its questions exists yet). A receiver reads what it needs now and returns a function
# that the answer's transaction calls with the stored answer (or None): its writes join that one
# transaction, and no read holds the write lock. A receiver may refuse the answer by raising
# AnswerError (a class's closed deadline): then nothing is stored and the learner reads its message.
answer_recording = Signal()
