"""Uploads in an S3-compatible object store, for several app servers (settings: S3_BUCKET and the rest).

A module of its own so that a single-machine install never imports boto3 (a third of a second at start-up).
"""

from storages.backends.s3 import S3Storage

from portal.storage import ReencodingMixin, object_headers


class ObjectMediaStorage(ReencodingMixin, S3Storage):
    """A bucket of uploads: images re-encoded, every object stored with its content type and disposition."""

    def get_object_parameters(self, name):
        return {**super().get_object_parameters(name), **object_headers(name)}
