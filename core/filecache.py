"""The shared directory cache, without a directory listing on every write.

Django's file-based cache checks whether it is full before every ``set``, by listing the whole
directory: with thousands of entries (a session per visitor, pages, fragments) that costs
milliseconds on each first visit of a learner. Here a process checks on one write in
``CULL_EVERY`` (an option, 200 by default); the directory may then hold up to that many entries
per process beyond ``MAX_ENTRIES`` before culling brings it back. Metrics as django-prometheus's backend counts them.
"""

import itertools

from django_prometheus.cache.backends.filebased import FileBasedCache

CULL_EVERY = 200


class SharedFileCache(FileBasedCache):
    def __init__(self, directory, params):
        super().__init__(directory, params)
        self._cull_every = params.get("OPTIONS", {}).get("CULL_EVERY", CULL_EVERY)
        self._writes = itertools.count()

    def _cull(self):
        if next(self._writes) % self._cull_every == 0:
            super()._cull()
