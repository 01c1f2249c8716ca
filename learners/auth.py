"""The signed-in user read from the shared cache, not from the database on every request.

Django's session middleware already keeps the session in the cache (``cached_db``); this backend
does the same for the user the session names, so a signed-in learner's page needs no query to
know who is asking. The entry is deleted whenever the user is saved or deleted (a password
change, a deactivation, the last login), and expires after ``USER_TIMEOUT`` in any case, which
bounds how long a change made with ``QuerySet.update()`` (no signal) can go unseen.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

USER_TIMEOUT = 300


def _key(user_id):
    return f"auth-user:{user_id}"


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = cache.get(_key(user_id))
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(_key(user_id), user, USER_TIMEOUT)
        return user


def forget_user(sender, instance, **kwargs):
    """A receiver for the user model's post_save and post_delete."""
    cache.delete(_key(instance.pk))
