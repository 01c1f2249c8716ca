import functools

from learners import review


def review_due(request):
    """How many review cards are due, for the header: only for a known learner (no query otherwise),
    and only when a template prints it (a callable: a fragment that does not costs nothing)."""
    learner = getattr(request, "learner", None)
    if learner is None or not learner.is_known:
        return {"review_due": 0}
    return {"review_due": functools.cache(lambda: review.due_count(learner))}
