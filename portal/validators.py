"""Validators shared by every app: phone numbers as residents dial them."""

import re
import warnings

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A landline with area code (0359-0123456, optional extension -801), a mobile
# (13800000000) or a short government hotline (12345, 12388).
PHONE_PATTERN = r"^(0\d{2,3}-\d{7,8}(-\d{1,6})?|1\d{10}|1\d{4})$"

phone_validator = RegexValidator(
    PHONE_PATTERN,
    _("电话号码格式不正确：座机写作“区号-号码”（如 0359-0123456），手机写 11 位数字。"),
    code="invalid_phone",
)


def tel_uri(phone):
    """Return the ``tel:`` URI for a phone number as it is written on the page."""
    digits = re.sub(r"[^0-9+]", "", phone or "")
    return f"tel:{digits}" if digits else ""


def not_in_the_future(value):
    """Refuse a check date after today: it would hide the item from the 90-day staleness board."""
    if value is not None and value > timezone.localdate():
        raise ValidationError(_("核对日期不能晚于今天。"), code="checked_in_future")


# Uploads ----------------------------------------------------------------------------------------
#
# A clerk's upload is shown to residents from the portal's own origin, where staff sessions live:
# an .html blank form or an .svg sample with a script in it is a stored script. So a file is
# accepted only as one of the few kinds a form, a sample or a photo really is, recognised by its
# content (magic bytes; for .docx/.xlsx a zip with the parts Word or Excel writes) and by its name,
# and nothing that a browser could take for a page may hide in its first bytes (a polyglot).

DOCUMENT_KINDS = {
    ".pdf": "PDF",
    ".doc": "Word",
    ".docx": "Word",
    ".xls": "Excel",
    ".xlsx": "Excel",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
UPLOAD_MAX_BYTES = 10 * 1024 * 1024

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97–2003 .doc and Excel 97–2003 .xls
_MAGIC = {
    ".pdf": (b"%PDF-",),
    ".doc": (_OLE2,),
    ".xls": (_OLE2,),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
_OFFICE_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
# What browsers' content sniffing and HTML parsers look for; none of it belongs at the start of
# a PDF, an Office file or an image.
_MARKUP = re.compile(
    rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|meta|div|style|\?xml-stylesheet)",
    re.IGNORECASE,
)
_SNIFFED_BYTES = 2048


def _suffix(name):
    dot = (name or "").rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def _read_head(upload, size):
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _refuse(message, code, **params):
    raise ValidationError(message, code=code, params=params)


def _check_office_zip(upload, suffix):
    """A .docx/.xlsx is a zip with [Content_Types].xml and its main part, and no macros."""
    import zipfile

    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        names = set()
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names or _OFFICE_PARTS[suffix] not in names:
        _refuse(
            _("文件“%(name)s”不是真正的 %(kind)s 文件（内容与扩展名不符）。请用 Word/Excel 或 WPS 另存后再上传。"),
            "upload_content_mismatch",
            name=upload.name,
            kind=suffix[1:],
        )
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        _refuse(
            _("文件“%(name)s”含有宏，不能上传。请另存为不含宏的 .docx/.xlsx 后再上传。"),
            "upload_macro",
            name=upload.name,
        )


def image_pixels_limit():
    from django.conf import settings

    return settings.PORTAL_UPLOAD_MAX_PIXELS


def _check_image(upload):
    """Read the image's size from its header only, refuse a pixel bomb, then check the file is whole."""
    from PIL import Image

    limit = image_pixels_limit()
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Our own limit, below Pillow's, decides; its warning would only repeat it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)  # reads the header, decodes no pixels
        with image:
            width, height = image.size
            if width * height > limit:
                _refuse(
                    _(
                        "图片“%(name)s”太大：%(width)s×%(height)s 像素（约 %(mega)s 百万像素），手机打不开。"
                        "请缩小到 %(limit)s 百万像素以内（如长边不超过 4000 像素）再上传。"
                    ),
                    "upload_too_many_pixels",
                    name=upload.name,
                    width=width,
                    height=height,
                    mega=round(width * height / 1_000_000),
                    limit=limit // 1_000_000,
                )
            image.verify()
    except ValidationError:
        raise
    except Exception:  # Pillow raises many kinds for a broken file, a decompression bomb among them
        _refuse(_("图片“%(name)s”已损坏或不是 JPEG/PNG 图片，请重新保存后上传。"), "upload_bad_image", name=upload.name)
    finally:
        upload.seek(0)


def _validate_upload(upload, allowed):
    name = getattr(upload, "name", "") or ""
    suffix = _suffix(name)
    if suffix not in allowed:
        kinds = "、".join(dict.fromkeys(DOCUMENT_KINDS[s] for s in sorted(allowed)))
        _refuse(
            _("不能上传“%(name)s”：只接受 %(kinds)s 文件。网页（.html）、矢量图（.svg）等格式不能上传。"),
            "upload_type",
            name=name,
            kinds=kinds,
        )
    if getattr(upload, "size", 0) and upload.size > UPLOAD_MAX_BYTES:
        _refuse(
            _("文件“%(name)s”太大，请不要超过 %(limit)s MB。"),
            "upload_too_big",
            name=name,
            limit=UPLOAD_MAX_BYTES // (1024 * 1024),
        )
    head = _read_head(upload, _SNIFFED_BYTES)
    if not head.startswith(_MAGIC[suffix]):
        _refuse(
            _("文件“%(name)s”的内容不是 %(kind)s 格式（内容与扩展名不符），不能上传。"),
            "upload_content_mismatch",
            name=name,
            kind=DOCUMENT_KINDS[suffix],
        )
    if _MARKUP.search(head):
        _refuse(
            _("文件“%(name)s”里夹带了网页代码，不能上传。请用 Word/Excel/WPS 或看图软件重新保存后再上传。"),
            "upload_polyglot",
            name=name,
        )
    if suffix in _OFFICE_PARTS:
        _check_office_zip(upload, suffix)
    if suffix in IMAGE_SUFFIXES:
        _check_image(upload)


def document_upload_validator(upload):
    """A material's blank form or sample: PDF, Word, Excel, or a JPEG/PNG photo of a filled-in form."""
    _validate_upload(upload, set(DOCUMENT_KINDS))


def image_upload_validator(upload):
    """A photo or floor plan: JPEG or PNG only, bounded in pixels (it is re-encoded when saved)."""
    _validate_upload(upload, IMAGE_SUFFIXES)
