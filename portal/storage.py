"""Where uploads are written: images are re-encoded to a size a phone can take.

A clerk's photo straight from a camera is 4–12 MB and may carry the place it
was taken (EXIF GPS); a floor plan exported from CAD may be 12000×12000. Every
JPEG and PNG saved through the default storage is decoded once here (JPEG at a
reduced scale, which costs a fraction of a full decode), turned upright,
bounded to ``PORTAL_IMAGE_MAX_SIDE`` pixels on its long side and written again
without metadata. Validators (portal/validators.py) have already refused
anything that is not a bounded JPEG or PNG.

Two places to write to, chosen by settings: MEDIA_ROOT on this machine
(:class:`MediaStorage`, one app server), or an S3-compatible object store
(``portal.object_storage``, django-storages; several app servers). In the
object store each file carries the headers the proxy sets for MEDIA_ROOT
(README, Production): a content type from the fixed list, and ``attachment``
for documents, so a browser saves a form instead of opening it as a page.
"""

import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from PIL import Image, ImageOps

IMAGE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def reencode_image(data, suffix, *, max_side=None):
    """Return ``data`` (bytes of a JPEG or PNG) re-encoded, bounded to ``max_side`` px, without metadata."""
    max_side = max_side or settings.PORTAL_IMAGE_MAX_SIDE
    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > settings.PORTAL_UPLOAD_MAX_PIXELS:
            raise ValueError(f"{image.width}×{image.height} is over PORTAL_UPLOAD_MAX_PIXELS")
        if image.format == "JPEG":
            image.draft("RGB", (max_side, max_side))  # decode at 1/2, 1/4 or 1/8 scale when that suffices
        image = ImageOps.exif_transpose(image)
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if IMAGE_FORMATS[suffix] == "JPEG":
            image.convert("RGB").save(out, "JPEG", quality=82, optimize=True, progressive=True)
        else:
            if image.mode not in {"1", "L", "LA", "P", "RGB", "RGBA"}:
                image = image.convert("RGBA")
            image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _suffix(name):
    return name[name.rfind(".") :].lower() if "." in name else ""


class ReencodingMixin:
    """Re-encode every JPEG and PNG before the storage underneath writes it."""

    def _save(self, name, content):
        suffix = _suffix(name)
        if suffix in IMAGE_FORMATS:
            content.seek(0)
            content = ContentFile(reencode_image(content.read(), suffix))
        return super()._save(name, content)


class MediaStorage(ReencodingMixin, FileSystemStorage):
    """The file system storage of MEDIA_ROOT, re-encoding every JPEG and PNG it is given."""


def object_headers(name):
    """Return the headers an uploaded file named ``name`` is stored with in the object store.

    ``{"ContentType": …, "CacheControl": …}`` plus ``"ContentDisposition": "attachment"`` for anything
    that is not a JPEG or PNG: the store answers with them on every download, as the proxy does for
    MEDIA_ROOT. A name outside the fixed list (none passes the validators) is an octet stream.
    """
    from portal.security import INLINE_MEDIA, MEDIA_TYPES

    suffix = _suffix(name)
    headers = {
        "ContentType": MEDIA_TYPES.get(suffix, "application/octet-stream"),
        # A name is never reused for other bytes while it exists (file_overwrite off); a day bounds
        # what a browser keeps after a clerk deletes a form and a later upload takes its name.
        "CacheControl": "public, max-age=86400",
    }
    if suffix not in INLINE_MEDIA:
        headers["ContentDisposition"] = "attachment"
    return headers
