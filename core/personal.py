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

from contextvars import ContextVar

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import RequestContext
from django.template.loader import get_template, render_to_string
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from core.cache import cached_fragment

_SECRET = None
_building = ContextVar("building_skeleton", default=False)


def marker(name):
    """The text standing for piece ``name`` in a skeleton."""
    global _SECRET
    if _SECRET is None:
        _SECRET = salted_hmac("core.personal", "markers").hexdigest()[:16]
    return f"\ue000{_SECRET}:{name}\ue001"


def render_personal(request, template_name, context, *, pieces, key=()):
    """The page ``template_name`` for this request, from the shared skeleton and its own ``pieces``:
    {name: (piece template, extra context)}. A request with a query string is rendered whole, as its
    page is not known to be one of a bounded set."""
    if request.META.get("QUERY_STRING"):
        whole = {
            name: mark_safe(render_to_string(t, {**context, **extra}, request)) for name, (t, extra) in pieces.items()
        }
        return HttpResponse(render_to_string(template_name, {**context, "pieces": whole}, request))
    skeleton = cached_fragment(
        "skeleton",
        template_name,
        request.path,
        get_language(),
        *key,
        frozen=True,
        build=lambda: _skeleton(request, template_name, context, pieces),
    )
    html, shared = skeleton, RequestContext(request, context)
    for name, (template, extra) in pieces.items():
        with shared.push(extra):
            html = html.replace(marker(name), get_template(template).template.render(shared), 1)
    return HttpResponse(with_token(html, request))


def _skeleton(request, template_name, context, pieces):
    markers = {name: mark_safe(marker(name)) for name in pieces}
    token = _building.set(True)
    try:
        return render_to_string(template_name, {**context, "pieces": markers, "csrf_token": marker("csrf")}, request)
    finally:
        _building.reset(token)


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
    return mark_safe(html if _building.get() else with_token(html, request))


def with_token(html, request):
    """The HTML with this request's CSRF token where a marker stands; for a page everyone shares
    (``core.cache.is_shared``), with no token at all, as ``{% csrf_token %}`` would render it."""
    if getattr(request, "is_shared", False):
        return html.replace(f'<input type="hidden" name="csrfmiddlewaretoken" value="{marker("csrf")}">', "")
    return html.replace(marker("csrf"), get_token(request))
