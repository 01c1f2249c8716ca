from learners import review


def review_due(request):
    """How many review cards are due, for the header: only for a known learner (no query otherwise)."""
    learner = getattr(request, "learner", None)
    return {"review_due": review.due_count(learner) if learner is not None and learner.is_known else 0}
