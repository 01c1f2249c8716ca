"""Settings for the test suite: the real settings with a throwaway key and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# One database file and cache directory per test run, so two runs in one checkout never share them;
# servers the tests start inherit the variable and so find the same ones.
RUN = os.environ.setdefault("TEST_RUN_ID", str(os.getpid()))

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not shared-cache memory: concurrent-request tests need real SQLite locking.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{RUN}.sqlite3")}  # noqa: F405

if not REDIS_URL:  # noqa: F405
    CACHES["default"]["LOCATION"] = str(VAR_DIR / f"test-cache-{RUN}")  # noqa: F405
    CACHES["content-version"]["LOCATION"] = str(VAR_DIR / f"test-cache-{RUN}" / "content-version")  # noqa: F405
