"""A personal page at the cost of a shared one: the page rendered once, personal pieces spliced in.

A signed-in learner's lesson page differs from everybody's in a few places only: the account
links in the header, the messages, the marks in the table of contents, the panels under the
lesson (completion, the knowledge check as answered). ``render_personal`` renders the page once
per content version, language, address and ``key`` (who may preview), with a marker where each
piece goes and where each CSRF token goes: that *skeleton* is shared through the cache, and kept
in each process's memory. A request then renders only its pieces, with small templates, and
replaces the markers; without JavaScript the page is as complete as before.

So nothing personal may be printed outside a piece: the skeleton is rendered with the first
request's context, and whatever it prints outside the pieces is served to everyone. Templates
print a piece as ``{{ pieces.<name> }}`` and fall back to the piece's own template when the page
is rendered whole (``{% if pieces %}``), so each piece of HTML has one source. The markers carry a
secret drawn from the SECRET_KEY, so no text in content can pose as one.
"""

import hashlib
import uuid
from contextvars import ContextVar
from functools import cache as cache_result
from functools import partial

from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import RequestContext
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from core.cache import PAGE_TIMEOUT, cached_fragment, content_version, forget

_SECRET = None
# While a learner's pieces render: the earliest time something they show changes by itself
# (``holds_until``: a review card falls due).
_valid_until = ContextVar("valid_until", default=None)
# Session keys of one-time notes a piece shows (a refused answer's error): pieces are not kept then.
_flash_keys = set()


def register_flash(session_key):
    """A piece shows, once, what the session keeps under ``session_key``: while it is there, the
    learner's pieces are rendered for the request and not kept."""
    _flash_keys.add(session_key)


def holds_until(when):
    """Called while rendering: what is being rendered is true only until ``when``."""
    until = _valid_until.get()
    if until is not None and (until[0] is None or when < until[0]):
        until[0] = when


def learner_state(learner):
    """The state of learner ``learner`` (``Learner.cache_key``): a random value in the shared cache,
    replaced by ``learner_changed`` whenever something their pages show changes. Lost, it is drawn
    anew: what was kept under the old one is never read again."""
    key = f"learner-state:{learner}"
    state = cache.get(key)
    if state is None:
        cache.add(key, uuid.uuid4().hex, PAGE_TIMEOUT)
        state = cache.get(key)
    return state


def learner_changed(learner):
    """Something learner ``learner``'s pages show changed (progress, an attempt, an answer, a card):
    their kept pieces are not read again. Now, and once more when the transaction commits, so a
    piece rendered from the old rows meanwhile is not kept under the new state."""
    learners_changed([learner])


def learners_changed(learners):
    """``learner_changed`` for many learners at once (a class's deadline moved)."""
    forget(f"learner-state:{learner}" for learner in learners)


class _Kept:
    """A learner's rendered pieces for one page, kept until their state or the content changes,
    or until what they show changes by itself (``holds_until``)."""

    def __init__(self, key):
        self.key = key

    def get(self):
        stored = cache.get(self.key)
        if stored is None or (stored[1] is not None and stored[1] <= timezone.now()):
            return None
        return dict(stored[0])

    def render(self, render):
        """``render()``'s pieces, kept."""
        until = [None]
        token = _valid_until.set(until)
        try:
            rendered = render()
        finally:
            _valid_until.reset(token)
        cache.set(self.key, (rendered, until[0]), PAGE_TIMEOUT)
        return dict(rendered)


def _kept_pieces(request, key, learner):
    if learner is None or any(name in request.session for name in _flash_keys):
        return None
    page = hashlib.md5(f"{get_language()}:{request.path}:{key}".encode()).hexdigest()
    return _Kept(f"pieces:{content_version()}:{learner_state(learner)}:{page}")


def marker(name):
    """The text standing for piece ``name`` in a skeleton."""
    global _SECRET
    if _SECRET is None:
        _SECRET = salted_hmac("core.personal", "markers").hexdigest()[:16]
    return f"\ue000{_SECRET}:{name}\ue001"


def render_personal(request, template_name, build_context, *, pieces, key=(), learner=None, fresh=("messages",)):
    """The page ``template_name`` for this request, from the shared skeleton and its own ``pieces``:
    {name: (piece template, extra context)}, rendered with the context ``build_context()`` returns.

    ``learner`` names a learner whose pieces may be kept (``learner_state``): they are rendered once
    per state of theirs and content version, so a learner rereading pages costs no query and no
    rendering. Pieces named in ``fresh`` (messages) are rendered for every request. A shared request
    (``core.cache.is_shared``) gets the page whole, which the page cache keeps; so does a request
    with a query string, as its page is not known to be one of a bounded set."""
    if getattr(request, "is_shared", False) or request.META.get("QUERY_STRING"):
        return _whole(request, template_name, build_context(), pieces)
    # An htmx request (a part refreshing itself) is rendered a little differently (autofocus on an answer).
    key = (*key, request.headers.get("HX-Request") == "true")
    kept = _kept_pieces(request, key, learner)  # before any piece is built: building one may read its flash
    context = cache_result(build_context)  # built only if the skeleton or a piece must be rendered
    html = cached_fragment(
        "skeleton",
        template_name,
        request.path,
        get_language(),
        *key,
        frozen=True,
        build=lambda: _skeleton(request, template_name, context(), pieces),
    )
    rendered = kept.get() if kept else None
    if rendered is None:
        render = partial(_render_pieces, request, context, {n: p for n, p in pieces.items() if n not in fresh})
        rendered = kept.render(render) if kept else render()
    rendered |= _render_pieces(request, dict, {n: p for n, p in pieces.items() if n in fresh})
    for name, piece in rendered.items():
        html = html.replace(marker(name), piece, 1)
    get_token(request)  # the CSRF cookie is sent if it is new; CsrfMarkersMiddleware puts the tokens in
    return HttpResponse(html)


def _whole(request, template_name, context, pieces):
    """The page rendered whole, its pieces in place (for the page cache, or an unbounded address)."""
    if getattr(request, "is_shared", False):
        return HttpResponse(render_to_string(template_name, context, request))
    whole = {name: mark_safe(_render(request, t, {**context, **x})) for name, (t, x) in pieces.items()}
    return HttpResponse(render_to_string(template_name, {**context, "pieces": whole}, request))


def _render(request, template, context):
    return render_to_string(template, {**context, "csrf_token": marker("csrf")}, request)


def _render_pieces(request, context, pieces):
    """{name: HTML}, CSRF tokens as markers, with one context (``context()``) for all of them."""
    rendered, shared = {}, RequestContext(request)
    # Pushed, not passed: a RequestContext's own dictionary lies under the context processors'
    # (whose csrf_token would be the real one).
    with shared.push({**context(), "csrf_token": marker("csrf")}):
        for name, (template, extra) in pieces.items():
            with shared.push(extra):
                rendered[name] = get_template(template).template.render(shared)
    return rendered


def _skeleton(request, template_name, context, pieces):
    markers = {name: mark_safe(marker(name)) for name in pieces}
    return render_to_string(template_name, {**context, "pieces": markers, "csrf_token": marker("csrf")}, request)


def shared_html(request, name, *key, template, context):
    """A piece that is the same for everyone in a given state (a knowledge check nobody has answered
    yet looks alike for all): rendered once per content version, language and ``key``, and shared
    through the cache. ``context()`` is called only then. Only its CSRF tokens are this request's."""
    html = cached_fragment(
        name,
        *key,
        get_language(),
        build=lambda: render_to_string(template, {**context(), "csrf_token": marker("csrf")}, request),
    )
    if not getattr(request, "is_shared", False):
        get_token(request)  # the CSRF cookie is sent if it is new; CsrfMarkersMiddleware puts the tokens in
    return mark_safe(html)


def with_token(html, request):
    """The HTML with this request's CSRF token where a marker stands; for a page everyone shares
    (``core.cache.is_shared``), with no token at all, as ``{% csrf_token %}`` would render it."""
    if getattr(request, "is_shared", False):
        return html.replace(f'<input type="hidden" name="csrfmiddlewaretoken" value="{marker("csrf")}">', "")
    return html.replace(marker("csrf"), get_token(request))


class CsrfMarkersMiddleware:
    """Puts this request's CSRF token where a page kept with markers has one (``render_personal``,
    ``shared_html``): the last step of every response, below the page cache, so a shared page is
    stored without any."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        if marker("csrf").encode(response.charset) in response.content:  # most responses have none: no decoding
            response.content = with_token(response.content.decode(response.charset), request)
            if response.has_header("Content-Length"):  # set by CommonMiddleware, below
                response["Content-Length"] = str(len(response.content))
        return response
