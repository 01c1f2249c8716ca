"""Who is learning: an account, or a visitor known by a random token kept in their session.

``LearnerMiddleware`` sets ``request.learner`` (as django-htmx sets ``request.htmx``);
quizzes and learners read it and never recompute it. Reading a page never creates a
visitor: the token, and with it the session and its cookie, appear only at the first
action (the visit beacon, an answer, the completion toggle), through ``Learner.start``.
"""

import secrets
from dataclasses import dataclass, field

from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject

from core.models import owner_key

SESSION_KEY = "learner"


@dataclass(eq=False)
class Learner:
    """A user, or a visitor token. A visitor with no token yet is *unknown* and owns nothing.

    The token is not the session key, which Django replaces at login: it survives, so a
    visitor's attempts and progress can move to the account they create.
    """

    user: object = None
    session_key: str = ""
    session: object = field(default=None, repr=False)

    @property
    def cache_key(self):
        """Names the learner in a cache key (``core.models.owner_key``)."""
        return owner_key(self.user.pk if self.user is not None else None, self.session_key)

    @classmethod
    def for_request(cls, request):
        if request.user.is_authenticated:
            return cls(user=request.user)
        return cls(session_key=request.session.get(SESSION_KEY, ""), session=request.session)

    @property
    def is_known(self):
        return self.user is not None or bool(self.session_key)

    @property
    def kind(self):
        if self.user is None:
            return "visitor"
        return "staff" if self.user.is_staff else "account"

    @property
    def lookup(self):
        """Filter keywords for the rows this learner owns (never matches anything while unknown)."""
        if self.user is not None:
            return {"user": self.user}
        return {"user__isnull": True, "session_key": self.session_key or None}

    @property
    def fields(self):
        """Field values for a new row owned by this learner."""
        return {"user": self.user, "session_key": "" if self.user is not None else self.session_key}

    def first_visit(self):
        """A visitor with no token and no session, who cannot start: whom a preview is rendered for
        (course.drafts.preview), so that it shows nothing personal and records nothing."""
        return Learner()

    def start(self):
        """Make a visitor known (at their first action): a new token in their session."""
        if not self.is_known:
            if self.session is None:
                raise RuntimeError("A preview's reader cannot start learning: nothing is recorded from a preview.")
            self.session_key = self.session[SESSION_KEY] = secrets.token_urlsafe(24)
        return self


class LearnerMiddleware:
    """Sets ``request.learner``; after a visitor's first action, also sends the CSRF cookie.

    A page served from the shared cache carries no CSRF token. The first action from it is
    accepted on its Origin (see config.csrf); from then on the visitor has a session, and
    every later POST is checked against this cookie as usual.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.learner = SimpleLazyObject(lambda: Learner.for_request(request))
        response = self.get_response(request)
        if getattr(request, "session", None) is not None and request.session.modified:
            get_token(request)
        return response
