"""Where uploads are written: images are re-encoded to a size a phone can take.

A clerk's photo straight from a camera is 4–12 MB and may carry the place it
was taken (EXIF GPS); a floor plan exported from CAD may be 12000×12000. Every
JPEG and PNG saved through the default storage is decoded once here (JPEG at a
reduced scale, which costs a fraction of a full decode), turned upright,
bounded to ``PORTAL_IMAGE_MAX_SIDE`` pixels on its long side and written again
without metadata. Validators (portal/validators.py) have already refused
anything that is not a bounded JPEG or PNG.
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


class MediaStorage(FileSystemStorage):
    """The file system storage of MEDIA_ROOT, re-encoding every JPEG and PNG it is given."""

    def _save(self, name, content):
        suffix = name[name.rfind(".") :].lower() if "." in name else ""
        if suffix in IMAGE_FORMATS:
            content.seek(0)
            content = ContentFile(reencode_image(content.read(), suffix))
        return super()._save(name, content)
