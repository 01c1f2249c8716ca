"""Static files: compressed and fingerprinted once `collectstatic` has run, the plain names before."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, except that with no manifest yet pages link the source files
    (served by WhiteNoise's finders), so `manage.py` and a server work before `collectstatic`."""

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
