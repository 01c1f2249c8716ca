"""The shared cache: whole pages for visitors with no session, fragments for everyone else.

Everything cached is keyed by the *content version*, a random value kept in the cache
and replaced whenever content changes (``content_changed``). Every worker
process reads the version on every request, so a change shows on the very next
request everywhere, without deleting keys one by one: entries of an old version are
simply never read again and age out. A page is kept once per interface language; a
visitor's language cookie, unlike a session cookie, leaves their pages shared.

A page is keyed by its path and only the query parameters its view declares it reads
(``reads_query``); anything else in the query string is removed before the view runs, so
``/?junk=1`` is the page ``/`` and adds no entry. Every page and fragment expires
(``PAGE_TIMEOUT``); the version alone never does.

The cache is Django's default cache: a directory shared by the worker processes of one
machine, or Redis when ``REDIS_URL`` is set (config.settings). The version is kept in the
cache ``content-version``: with the directory, a directory of its own, out of reach of the
default cache's culling (which deletes random files once it is full); with Redis, the same
server, whose ``maxmemory-policy volatile-lru`` evicts only keys that expire. Should the
version still be lost, the next request draws a new random one: every entry is orphaned,
none is served stale.

Content can also change with no save: a lecture, section or quiz scheduled to go live or to be
taken down at 09:00 becomes readable, or not, when the clock passes 09:00 (``course.models.
Publishable`` reads the clock at each query). So the content version has two parts,
``"<random>.<n>"``: the random value above, and how many of the schedule's times are already
past. The apps give the times (``register_schedule``: every go-live and take-down time of every
row, past and future). For each random value, the first process to need them fetches them (one
query for all models) and stores the sorted list in the shared cache beside the pages; every
process then keeps that list in memory and counts it with a binary search on each call: no query,
no cache read per request. At 09:00:00 every process counts one more, so every key changes at once
and nothing cached before is read again, the frozen in-process values included, without a job, a
save or a message between processes. Adding or moving a time is a save, which draws a new random
value (``watch_content``), so the list is fetched again.

Processes must agree on ``n`` (else one could read, under its count, a page another stored under the
same count at another moment): so each counts every time, not only the future ones, and all read
one list per random value, even when one process fetched it inside a save's transaction or a save
was rolled back. The list is in the default cache, not beside the version (where nothing but the
version may live, lest culling delete it); should it be culled, a process keeps the list it has,
and one that never read it fetches it anew from the same committed rows (only a rolled-back save's
time, in the rare list fetched inside that transaction, could then make two lists differ). Within one request the count may step while it renders; a key
is always computed before the rows it names are read, so an entry is never older than its key.

What happens at a time is not only a change of what is readable: a scheduled draft must then be
published. The apps register that work (``at_schedule_change``), and the first request each process
serves under a new content version runs it, before reading anything: one indexed query when nothing
is due, and the request sees what it published.

Pages kept by browsers and proxies are ``public, no-cache`` with an ETag: they ask again each
time, and a page that changed at 09:00 has a new ETag.
"""

import bisect
import hashlib
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import get_language_from_request

VERSION_KEY = "content-version"
VERSION_CACHE = "content-version"  # the settings.CACHES alias that holds VERSION_KEY and nothing else
PAGE_TIMEOUT = 24 * 60 * 60
FROZEN_MAX = 256
# The version read once at the start of a request (PageCacheMiddleware): one cache read per
# request, and one consistent version for everything the request reads.
_request_version = ContextVar("content_version", default=None)
# Per process, values that callers never modify: their key names the version, so they never go stale.
_frozen = {}


# Per process: the sorted schedule times of each random version (see the module docstring).
_schedules = {}
_schedule_sources = []
# Called by the first request a process serves under each content version (at_schedule_change).
_schedule_actions = []
_versions_seen = set()


def register_schedule(rows):
    """Add a source of schedule times: a callable returning rows (tuples) of datetimes or None,
    every go-live and take-down time there is. Sources that return querysets of as many columns
    are fetched together, in one query."""
    if rows not in _schedule_sources:
        _schedule_sources.append(rows)


def at_schedule_change(action):
    """Run ``action()`` at the first request each process serves under a new content version: after
    a save, and when a schedule time passes. It may change content (a scheduled draft goes live), and
    it runs before the request reads anything, so the request already sees that change."""
    if action not in _schedule_actions:
        _schedule_actions.append(action)


def _act_on_schedule():
    version = content_version()
    if version in _versions_seen:
        return
    if len(_versions_seen) >= FROZEN_MAX:
        _versions_seen.clear()
    _versions_seen.add(version)
    for action in _schedule_actions:
        action()


def content_version():
    version = _request_version.get() or _read_version()
    return f"{version}.{bisect.bisect_right(_schedule(version), timezone.now())}"


def _schedule(version):
    """The sorted schedule times of a random version: one list for every process (see the module
    docstring), read once per process."""
    times = _schedules.get(version)
    if times is None:
        key = f"schedule:{version}"
        times = cache.get(key)
        if times is None:
            fetched = _fetch_schedule()
            cache.add(key, fetched, PAGE_TIMEOUT)  # the first process's list wins
            times = cache.get(key, fetched)
        if len(_schedules) >= FROZEN_MAX:
            _schedules.clear()
        _schedules[version] = times
    return times


def _fetch_schedule():
    results = [source() for source in _schedule_sources]
    querysets = [rows for rows in results if isinstance(rows, QuerySet)]
    if len(querysets) > 1:
        querysets = [querysets[0].union(*querysets[1:], all=True)]
    others = [rows for rows in results if not isinstance(rows, QuerySet)]
    return sorted({at for rows in querysets + others for row in rows for at in row if at is not None})


def _read_version():
    versions = caches[VERSION_CACHE]
    version = versions.get(VERSION_KEY)
    if version is None:
        # The first request, or the version was lost: a new random value, never an older one, so
        # nothing stored before can be read again.
        versions.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = versions.get(VERSION_KEY)
    return version


def _bump():
    version = uuid.uuid4().hex
    caches[VERSION_CACHE].set(VERSION_KEY, version, None)
    if _request_version.get() is not None:
        _request_version.set(version)  # the request that changed content reads the new content


_batch = ContextVar("content_batch", default=None)


def content_changed(**kwargs):
    """Make every cached page and fragment stale. Usable as a signal receiver.

    Bumped now, so this transaction's own later reads see the change, and again once it
    commits, so that a page rendered by another process from the old rows in between is
    not kept under the new version. Inside ``one_content_change`` the bump waits for its end.
    """
    if (batch := _batch.get()) is not None:
        batch.append(True)
        return
    _bump()
    transaction.on_commit(_bump)


@contextmanager
def one_content_change():
    """Many saves (an import of a thousand questions) as one change of the content version."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set([])
    try:
        yield
    finally:
        changed = bool(_batch.get())
        _batch.reset(token)
        if changed:
            content_changed()


def fragment_key(name, *parts):
    """A cache key for a shared fragment, valid for the current content version only."""
    digest = hashlib.md5(":".join(str(p) for p in parts).encode()).hexdigest()
    return f"fragment:{content_version()}:{name}:{digest}"


def remembered(key, timeout, build):
    """``build()``'s value under ``key`` in the shared cache, for ``timeout`` seconds, built when
    missing. Kept in a tuple, so that None, [] or 0 are cached values too (and the metrics
    backends, which answer an empty container for a miss, cannot pass one off as a value)."""
    stored = cache.get(key)
    if stored is None:
        stored = (build(),)
        cache.set(key, stored, timeout)
    return stored[0]


def forget(keys):
    """Drop ``keys`` from the shared cache now, and once more when the transaction commits, so a
    value rebuilt from the old rows meanwhile is not kept."""
    keys = list(keys)
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def cached_fragment(name, *parts, build, frozen=False):
    """The value ``build()`` returns, computed once per content version and shared by all processes.

    Each call returns a fresh copy that the caller may change, unless ``frozen``: then the
    caller promises never to change it, and the process keeps it in memory.

    The key does not name the interface language, so the value must not depend on it: rows
    and numbers, translated when a template prints them. A value holding translated text
    (rendered HTML, a ``gettext`` result) passes ``get_language()`` among its ``parts``.
    """
    key = fragment_key(name, *parts)
    if frozen and key in _frozen:
        return _frozen[key]
    value = remembered(key, PAGE_TIMEOUT, build)
    if frozen:
        if len(_frozen) >= FROZEN_MAX:
            _frozen.clear()
        _frozen[key] = value
    return value


def is_shared(request):
    """A request whose answer is the same for everyone: a read by someone with no session.

    Such a visitor has, by construction, no progress, attempts or messages, so the page
    they get is everybody's page in their language. A session cookie (a learner or an account) or pending
    messages make the request personal.
    """
    return request.method in ("GET", "HEAD") and not (
        settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES
    )


def reads_query(*names, free_text=()):
    """Declare the query parameters a view reads, so that its shared page is cached under exactly those.

    ``names`` choose among a known set of pages (a pattern family, a file's fingerprint): the value
    is part of the cache key. The view reads one value (``request.GET.get``, the last one given) and
    must answer a value it does not know with a redirect or a 404, never a page, so that there are
    never more keys than pages. ``free_text`` parameters (a search query) take any text: a request
    where one is not empty is rendered for itself and never stored.

    For a shared request, every other parameter is removed before the view runs: the page is the one
    at the address without it. A view without this declaration is stored only when the query string
    is empty; with one, it is rendered each time, as its parameters are not known here.
    """

    def declare(view):
        view.query_reads = (frozenset(names), frozenset(free_text))
        return view

    return declare


def _normalise_query(request):
    """Keep only what the view reads in the request's query string; whether the page may be stored.

    Only called with a query string: a request without one needs no URL resolution.
    """
    try:
        declared = getattr(resolve(request.path_info).func, "query_reads", None)
    except Resolver404:
        return False  # a 404, never stored
    if declared is None:
        return False
    names, free_text = declared
    kept = {name: request.GET[name] for name in sorted(names | free_text) if name in request.GET}
    query = urlencode(kept)
    request.GET = QueryDict(query)
    request.META["QUERY_STRING"] = query
    return not any(kept.get(name) for name in free_text)


def _page_key(request):
    url = request.build_absolute_uri()  # scheme and host too: pages print their canonical URL
    # The language LocaleMiddleware, below this one, will pick (cookie, then Accept-Language):
    # one page per language at the same URL, and no key per Accept-Language header variant.
    language = get_language_from_request(request)
    # What views read of the htmx headers is request.htmx, true for "true" only; any other header
    # value is the same page and must not make a key of its own.
    htmx = "htmx" if request.headers.get("HX-Request") == "true" else ""
    parts = [url, language, htmx]
    return "page:" + content_version() + ":" + hashlib.md5("\n".join(parts).encode()).hexdigest()


def _can_store(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


class PageCacheMiddleware:
    """Serve shared requests whole from the cache; mark personal answers private.

    Sits above the session, CSRF and auth middleware, so a hit costs two cache reads
    (the version and the page; once per version and process, a third: the schedule) and no
    database query. A stored page carries no CSRF
    token (course.context_processors.shared_page); its forms work through config.csrf.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_version.set(_read_version())
        try:
            _act_on_schedule()
            return self.respond(request)
        finally:
            _request_version.reset(token)

    def respond(self, request):
        request.is_shared = is_shared(request)
        if not request.is_shared:
            response = self.get_response(request)
            if request.method in ("GET", "HEAD") and not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)
            return response

        storable = not request.META.get("QUERY_STRING") or _normalise_query(request)
        key = _page_key(request)
        stored = cache.get(key) if storable else None
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers:
                response.headers[name] = value
            return response

        response = self.get_response(request)
        if _can_store(response):
            patch_vary_headers(response, ["Cookie"])
            if not response.has_header("Cache-Control"):
                # Any cache may keep it, but must ask again each time: an edit shows at once,
                # and an unchanged page costs a 304.
                patch_cache_control(response, public=True, no_cache=True)
            if not response.has_header("ETag"):
                response.headers["ETag"] = f'"{hashlib.md5(response.content).hexdigest()}"'
            if storable:
                cache.set(key, (response.content, list(response.headers.items())), PAGE_TIMEOUT)
        return response


def watch_content(models):
    """Bump the content version whenever one of these models, or one of its links, changes."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        post_save.connect(content_changed, sender=model, dispatch_uid=f"content-save-{model._meta.label}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"content-delete-{model._meta.label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(content_changed, sender=through, dispatch_uid=f"content-m2m-{through._meta.label}")
