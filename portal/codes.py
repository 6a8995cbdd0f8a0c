"""Printed QR codes: issue them, resolve them, count their scans, draw them.

A code on a wall outlives everything it points at, so:

* a code string is random, short, drawn from an alphabet without look-alikes,
  unique in the table and never deleted (deactivated instead), so it is never
  issued twice;
* it keeps its meaning: it may be re-pointed to the renamed or moved successor
  of its target, and a target that disappears sends the scan to the township
  home, never to an error;
* the printed address is ``settings.PORTAL_BASE_URL + "/q/" + code``, built by
  :func:`printed_url` and nowhere else, and it reaches the page in one redirect.

portal must not import staff or services. Their printable models (windows,
posts, items …) register themselves here from their ``AppConfig.ready()``
through :func:`register_target`; everything below works on that registry.

Codes are issued explicitly, never as a side effect: by the admin when it
creates a township or a printable object (:func:`code_ensure_for`), by the
``issue_codes`` and ``demo_setup`` commands and by imports
(:func:`codes_ensure_for_township`), and by a clerk in the QR admin
(:func:`code_issue`). Print pages only read: a missing code is shown as
:data:`MISSING_NOTICE`, so an anonymous visit never writes to the database.
"""

import io
import re
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import qrcode
import qrcode.constants
import qrcode.image.svg
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from portal.models import QRCode, QRScanDay, Township, Village

# No 0/O, 1/I/l: a code may be read aloud over the phone or typed from a poster.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6  # 31**6 ≈ 887 million codes: collisions are rare and retried.
CODE_PATTERN = re.compile(rf"^[{ALPHABET}]{{4,16}}$")

GATE_PLACEMENT = "大门"
BOARD_URL_NAMES = {
    QRCode.Board.CERTIFICATES: "certificate_boards",
    QRCode.Board.LIAISON: "liaison_table",
    QRCode.Board.LISTS: "list_index",
}

IMAGE_MIN_SIZE = 100
IMAGE_MAX_SIZE = 2000
IMAGE_DEFAULT_SIZE = 600
QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 asks

# Printed addresses -------------------------------------------------------------------------------


def public_url(path):
    """Return ``path`` as an absolute address under ``settings.PORTAL_BASE_URL``."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def printed_url(code):
    """Return the address a code carries: exactly ``PORTAL_BASE_URL + "/q/" + code``."""
    return public_url(reverse("qr_redirect", kwargs={"code": code}))


# Registry of printable targets -------------------------------------------------------------------


@dataclass(frozen=True)
class TargetKind:
    """How codes for one model are issued, labelled, resolved and printed."""

    model: type
    placement: object  # callable(obj) -> str: where the code is put up, e.g. "3号综合窗口"
    auto: bool = True  # every object of the township gets one (windows, posts, villages, items in force)
    township_field: str = "township"
    select_related: tuple = ("township",)
    print_url: object = None  # callable(qr) -> path of the print page, or None for the generic card
    auto_filter: dict = field(default_factory=dict)  # which objects get an automatic code

    @property
    def label(self):
        return self.model._meta.label_lower

    def township_id_of(self, obj):
        return getattr(obj, f"{self.township_field}_id")

    def objects_of(self, township):
        return self.model._default_manager.filter(**{self.township_field: township}, **self.auto_filter)


_KINDS = {}


def register_target(model, *, placement, auto=True, print_url=None, township_field="township", auto_filter=None):
    """Register ``model`` as something a code may point at.

    Called from an ``AppConfig.ready()``: staff registers windows, posts and
    offices, services registers items and lists, portal registers villages.
    With ``auto`` every object (that matches ``auto_filter``) gets its code
    from :func:`code_ensure_for` when it is created and from
    :func:`codes_ensure_for_township`.
    """
    kind = TargetKind(
        model=model,
        placement=placement,
        auto=auto,
        print_url=print_url,
        township_field=township_field,
        auto_filter=auto_filter or {},
    )
    _KINDS[kind.label] = kind
    return kind


def target_kinds():
    return list(_KINDS.values())


def kind_for_model(model):
    return _KINDS.get(model._meta.label_lower)


def kind_for_code(qr):
    if qr.target_type_id is None:
        return None
    content_type = ContentType.objects.get_for_id(qr.target_type_id)
    return _KINDS.get(f"{content_type.app_label}.{content_type.model}")


_BOARD_PRINT_URLS = {}


def register_board_print(board, print_url):
    """Register the print page of a notice board: ``print_url(qr)`` returns its path."""
    _BOARD_PRINT_URLS[board] = print_url


def print_url_for(qr):
    """Return the path of the page that prints ``qr``: its target's card, the gate poster, or a plain card.

    Needs ``qr.township`` (select it) but never the target itself: no query.
    """
    if qr.points_home:
        return reverse("print_gate_poster", kwargs={"township": qr.township.slug})
    if qr.board:
        builder = _BOARD_PRINT_URLS.get(qr.board)
    else:
        kind = kind_for_code(qr) if qr.target_id is not None else None
        builder = kind.print_url if kind else None
    if builder is not None:
        return builder(qr)
    return reverse("print_code_card", kwargs={"code": qr.code})


def register_portal_targets():
    """Register portal's own targets; called from PortalConfig.ready()."""
    register_target(
        Village,
        placement=lambda village: f"{village.name}微信群",
        print_url=lambda qr: reverse("print_wechat_image", kwargs={"code": qr.code}),
    )


# Issuing -----------------------------------------------------------------------------------------


def new_code():
    """Return a random code string; uniqueness is checked when it is saved."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def target_error(township, target):
    """Return why ``target`` cannot be the target of a code of ``township``, or None."""
    kind = kind_for_model(type(target))
    if kind is None:
        return _("二维码不能指向“%(type)s”。") % {"type": target._meta.verbose_name}
    if target.pk is None:
        return _("指向的内容还没有保存。")
    if kind.township_id_of(target) != township.pk:
        return _("指向的内容（%(target)s）不属于%(township)s。") % {"target": target, "township": township}
    return None


def code_save_new(qr):
    """Save a new, unsaved ``QRCode`` with a freshly drawn string (drawn again in the rare case it is taken)."""
    for _attempt in range(8):
        qr.code = new_code()
        try:
            with transaction.atomic():
                qr.save()
            return qr
        except IntegrityError:
            if not QRCode.objects.filter(code=qr.code).exists():
                raise  # another constraint failed: let the caller see it
    raise RuntimeError("Could not draw an unused QR code after 8 attempts.")


def code_issue(*, township, placement, target=None, board="", target_label="", user=None):
    """Issue a new code for ``target`` (or a board, or the township home) and return it.

    Raises ValidationError (in Chinese) for a target of another township or
    both a target and a board; nothing is written then.
    """
    if target is not None and board:
        raise ValidationError(_("二维码要么指向一项内容，要么指向一个公示栏，不能两者都填。"))
    if target is not None and (error := target_error(township, target)):
        raise ValidationError(error)
    if board and board not in BOARD_URL_NAMES:
        raise ValidationError(_("没有这个公示栏：%(board)s") % {"board": board})
    qr = QRCode(
        township=township,
        placement=placement[: QRCode._meta.get_field("placement").max_length],
        board=board,
        target_label=(target_label or (str(target) if target is not None else ""))[
            : QRCode._meta.get_field("target_label").max_length
        ],
        created_by=user,
        updated_by=user,
    )
    if target is not None:
        qr.target_type = ContentType.objects.get_for_model(target)
        qr.target_id = target.pk
    return code_save_new(qr)


def _lock_township(township):
    """Serialise code issuing per township (PostgreSQL row lock), so two requests never issue twins."""
    Township.objects.select_for_update().filter(pk=township.pk).exists()


_GATE = {"target_type__isnull": True, "board": ""}


def _first_active(township, lookups):
    # A deactivated code is never printed again: the next issue gives a fresh one.
    return QRCode.objects.of_township(township).filter(active=True, **lookups).order_by("created_at", "pk").first()


def _first_or_issue(township, lookups, **issue):
    """Return the township's first active code matching ``lookups``, issuing one if there is none."""
    qr = _first_active(township, lookups)
    if qr is not None:
        return qr
    with transaction.atomic():
        _lock_township(township)
        return _first_active(township, lookups) or code_issue(township=township, **issue)


def existing_gate_code(township):
    """Return the township's active gate code, or None (never issues: for print pages)."""
    return _first_active(township, _GATE)


def existing_board_code(township, board):
    """Return the active code of one of the township's notice boards, or None (never issues)."""
    return _first_active(township, {"board": board})


def gate_code(township, *, user=None):
    """Return the township's gate code (the first code that opens the home page), issuing it if missing."""
    return _first_or_issue(township, _GATE, placement=GATE_PLACEMENT, user=user)


def board_code(township, board, *, user=None):
    """Return the code of one of the township's notice boards, issuing it if missing."""
    return _first_or_issue(township, {"board": board}, placement=str(QRCode.Board(board).label), board=board, user=user)


def existing_codes_for(township, targets):
    """Return ``{target.pk: QRCode}`` of the active codes of objects of one model; never issues.

    One query whatever the number of targets (the household booklet asks for
    one per item); a target without an active code is left out.
    """
    targets = list(targets)
    if not targets:
        return {}
    content_type = ContentType.objects.get_for_model(type(targets[0]))
    found = {}
    rows = (
        QRCode.objects.filter(
            township=township, target_type=content_type, target_id__in=[t.pk for t in targets], active=True
        )
        .select_related("township")
        .order_by("created_at", "pk")
    )
    for qr in rows:
        found.setdefault(qr.target_id, qr)
    return found


def codes_for_targets(township, targets, *, user=None):
    """Return ``{target.pk: QRCode}`` for objects of one model, issuing the missing ones (admin, commands)."""
    targets = list(targets)
    found = existing_codes_for(township, targets)
    missing = [t for t in targets if t.pk not in found]
    if missing:
        kind = kind_for_model(type(missing[0]))
        with transaction.atomic():
            _lock_township(township)
            found.update(existing_codes_for(township, missing))  # issued meanwhile by another request
            for target in missing:
                if target.pk in found:
                    continue
                placement = kind.placement(target) if kind else str(target)
                found[target.pk] = code_issue(township=township, placement=placement, target=target, user=user)
    return found


def code_for_target(target, *, township=None, user=None):
    """Return the code of one object (window, post, village, item …), issuing it if missing.

    Pass ``township`` when it is at hand (it saves a query).
    """
    if township is None:
        kind = kind_for_model(type(target))
        township = Township.objects.get(pk=kind.township_id_of(target)) if kind else target.township
    return codes_for_targets(township, [target], user=user)[target.pk]


def code_ensure_for(obj, *, user=None):
    """Issue the code a newly created object needs, if it has none: returns it, or None when it needs none.

    A township gets its gate code; a window, post, village or item in force
    (every ``auto`` kind matching its ``auto_filter``) gets its own. Called
    by the admin after it creates a row (see ``TrackedAdmin.save_related``).
    """
    if isinstance(obj, Township):
        return gate_code(obj, user=user)
    kind = kind_for_model(type(obj))
    if kind is None or not kind.auto:
        return None
    township_id = kind.township_id_of(obj)
    if kind.auto_filter and not kind.objects_of(township_id).filter(pk=obj.pk).exists():
        return None  # not one of the objects that get a code automatically
    return code_for_target(obj, user=user)


def codes_ensure_for_township(township, *, user=None):
    """Give the township its gate code and every window, post, village and item in force its code.

    Returns the new codes. Idempotent: an object that has a code already
    (active or not) keeps it and gets no second one. Called by the
    ``issue_codes`` command (after a fixture load, which issues nothing), by
    ``demo_setup`` through it, and by the spreadsheet import after applying.
    """
    created = []
    with transaction.atomic():
        _lock_township(township)
        if not QRCode.objects.of_township(township).filter(target_type__isnull=True, board="").exists():
            created.append(code_issue(township=township, placement=GATE_PLACEMENT, user=user))
        for kind in target_kinds():
            if not kind.auto:
                continue
            content_type = ContentType.objects.get_for_model(kind.model)
            have = set(
                QRCode.objects.filter(township=township, target_type=content_type).values_list("target_id", flat=True)
            )
            for obj in kind.objects_of(township).order_by("pk"):
                if obj.pk not in have:
                    created.append(code_issue(township=township, placement=kind.placement(obj), target=obj, user=user))
    return created


MISSING_NOTICE = "尚未生成二维码，请办事员在后台生成"


def printable(qr, **svg_options):
    """Return what a print page shows of ``qr``: ``{"qr", "svg", "printed_url"}``.

    ``qr`` None (no active code yet) gives a notice in place of the symbol:
    print pages never issue codes.
    """
    if qr is None:
        return {"qr": None, "svg": format_html('<p class="qr-missing">{}</p>', MISSING_NOTICE), "printed_url": ""}
    return {"qr": qr, "svg": code_svg(qr, **svg_options), "printed_url": printed_url(qr.code)}


# Resolving and counting --------------------------------------------------------------------------


def find_code(code):
    """Return the QRCode for a scanned code string (case-insensitive), or None."""
    code = (code or "").strip().upper()
    if not CODE_PATTERN.match(code):
        return None
    return QRCode.objects.select_related("township", "target_type").filter(code=code).first()


def destination_path(qr):
    """Return the path a code leads to now.

    The target's current ``get_absolute_url()`` (a withdrawn or merged item
    answers there with its notice), a board page, or the township home when
    the code has no target or its target was deleted.
    """
    home = qr.township.get_absolute_url()
    if qr.board:
        url_name = BOARD_URL_NAMES.get(qr.board)
        return reverse(url_name, kwargs={"township": qr.township.slug}) if url_name else home
    if qr.target_type_id is None:
        return home
    model = qr.target_type.model_class()
    if model is None:  # the model itself is gone
        return home
    kind = kind_for_model(model)
    queryset = model._default_manager.all()
    if kind is not None and kind.select_related:
        queryset = queryset.select_related(*kind.select_related)
    target = queryset.filter(pk=qr.target_id).first()
    if target is None or not hasattr(target, "get_absolute_url"):
        return home
    return target.get_absolute_url()


def destination_url(qr):
    """Return the absolute address a scan is redirected to, under PORTAL_BASE_URL."""
    return public_url(destination_path(qr))


def count_scan(qr, *, day=None):
    """Add one scan of ``qr`` on ``day`` (today in the portal's time zone), in one atomic statement.

    On PostgreSQL and SQLite an ``INSERT … ON CONFLICT DO UPDATE`` creates the
    day's row or increments it: no lost count when scans arrive together and
    a single round trip on the redirect's path. Other databases fall back to
    update, then insert in a savepoint, then update again if another request
    inserted first.
    """
    day = day or timezone.localdate()
    if connection.vendor in ("postgresql", "sqlite"):
        table = connection.ops.quote_name(QRScanDay._meta.db_table)
        qn = connection.ops.quote_name
        sql = (
            f"INSERT INTO {table} ({qn('qr_code_id')}, {qn('day')}, {qn('count')}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({qn('qr_code_id')}, {qn('day')}) DO UPDATE SET {qn('count')} = {table}.{qn('count')} + 1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [qr.pk, day])
        return
    rows = QRScanDay.objects.filter(qr_code_id=qr.pk, day=day)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            QRScanDay.objects.create(qr_code_id=qr.pk, day=day, count=1)
    except IntegrityError:
        rows.update(count=F("count") + 1)


# Drawing -----------------------------------------------------------------------------------------

# Pick the strongest error correction that still fits a small symbol
# (version 4, 33×33 modules, readable at 2 cm in the booklet); a longer
# address falls back to M, never lower. Like pretix, by payload length.
_SMALL_VERSION = 4
_LEVELS = [
    qrcode.constants.ERROR_CORRECT_H,
    qrcode.constants.ERROR_CORRECT_Q,
    qrcode.constants.ERROR_CORRECT_M,
]


def error_correction_for(data):
    """Return the qrcode error-correction constant for ``data``: H, Q or M by length."""
    for level in _LEVELS:
        probe = qrcode.QRCode(error_correction=level, border=QUIET_ZONE)
        probe.add_data(data)
        probe.make(fit=True)
        if probe.version <= _SMALL_VERSION:
            return level
    return qrcode.constants.ERROR_CORRECT_M


def _qr(data, **kwargs):
    symbol = qrcode.QRCode(error_correction=error_correction_for(data), border=QUIET_ZONE, **kwargs)
    symbol.add_data(data)
    symbol.make(fit=True)
    return symbol


def parse_size(value, default=IMAGE_DEFAULT_SIZE):
    """Return the ``?size=`` parameter as pixels, or raise ValueError with a Chinese message."""
    if value is None or value == "":
        return default
    if not value.isdigit() or not (IMAGE_MIN_SIZE <= int(value) <= IMAGE_MAX_SIZE):
        raise ValueError(
            _("尺寸参数 size 不正确：请填写 %(min)d 到 %(max)d 之间的整数（单位：像素）。")
            % {"min": IMAGE_MIN_SIZE, "max": IMAGE_MAX_SIZE}
        )
    return int(value)


def qr_png(data, *, size=IMAGE_DEFAULT_SIZE):
    """Return PNG bytes of ``data``, at most ``size`` pixels wide, in whole pixels per module."""
    symbol = _qr(data)
    modules = symbol.modules_count + 2 * QUIET_ZONE
    symbol.box_size = max(1, size // modules)
    image = symbol.make_image(fill_color="black", back_color="white").get_image()
    buffer = io.BytesIO()
    image.convert("1").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def qr_pil(data, *, size):
    """Return a Pillow image of ``data`` (grayscale), at most ``size`` pixels wide."""
    symbol = _qr(data)
    symbol.box_size = max(1, size // (symbol.modules_count + 2 * QUIET_ZONE))
    return symbol.make_image(fill_color="black", back_color="white").get_image().convert("L")


_SVG_OPEN_TAG = re.compile(r"^<svg [^>]*>")


def qr_svg(data, *, size=None, css_class="qr", label=""):
    """Return an SVG document (a string, no XML declaration) that inlines into HTML.

    With ``size`` the symbol is that many pixels wide; without it, it fills
    its box (size it with CSS). It has a white background and its quiet zone.
    """
    symbol = _qr(data, image_factory=qrcode.image.svg.SvgPathFillImage)
    svg = symbol.make_image().to_string(encoding="unicode")
    svg = re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)
    width = symbol.modules_count + 2 * QUIET_ZONE
    attrs = [
        f'viewBox="0 0 {width} {width}"',
        'xmlns="http://www.w3.org/2000/svg"',
        'shape-rendering="crispEdges"',
        'role="img"',
        f'aria-label="{label or data}"',
    ]
    if size:
        attrs += [f'width="{size}"', f'height="{size}"']
    if css_class:
        attrs.append(f'class="{css_class}"')
    return _SVG_OPEN_TAG.sub("<svg " + " ".join(attrs) + ">", svg, count=1)


def code_svg(qr, **kwargs):
    """Return the inline SVG of a code's printed address."""
    kwargs.setdefault("label", f"二维码 {qr.code}")
    return qr_svg(printed_url(qr.code), **kwargs)


# Chinese text in images --------------------------------------------------------------------------

# Searched in order after settings.PORTAL_CJK_FONT / the PORTAL_CJK_FONT
# environment variable. The first is installed by pip with the project
# (pylopdf-fonts-zh-cn, Noto Sans SC, SIL OFL), so production needs no apt step.
_SYSTEM_CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]


def cjk_font_path():
    """Return the path of a font file with Simplified Chinese glyphs, or raise ImproperlyConfigured."""
    configured = settings.PORTAL_CJK_FONT
    if configured:
        if Path(configured).is_file():
            return str(configured)
        raise ImproperlyConfigured(f"PORTAL_CJK_FONT={configured!r} is not a font file.")
    candidates = []
    try:
        import pylopdf_fonts_zh_cn

        candidates.append(str(pylopdf_fonts_zh_cn.sans_path()))
    except ImportError:
        pass
    candidates += _SYSTEM_CJK_FONTS
    for candidate in candidates:
        if Path(candidate).is_file():
            return candidate
    raise ImproperlyConfigured(
        "No Chinese font found for the WeChat-group image: pip install pylopdf-fonts-zh-cn "
        "(a dependency of the portal), or set PORTAL_CJK_FONT to a .ttf/.otf/.ttc file."
    )


@lru_cache(maxsize=16)
def _font(path, size):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def wechat_image(qr, *, caption="扫一扫：去哪里办、找谁办、怎么办"):
    """Return a 1080×1440 PNG for a village WeChat group: township name, the code and a caption."""
    from PIL import Image, ImageDraw

    font_path = cjk_font_path()
    width, height = 1080, 1440
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)

    def centred(text, y, size):
        font = _font(font_path, size)
        box = draw.textbbox((0, 0), text, font=font)
        draw.text(((width - (box[2] - box[0])) / 2 - box[0], y), text, font=font, fill=0)
        return y + (box[3] - box[1]) + size // 2

    y = centred(qr.township.name, 70, 96)
    y = centred(qr.target_label or qr.placement, y + 10, 56)
    code_image = qr_pil(printed_url(qr.code), size=760)
    image.paste(code_image, ((width - code_image.width) // 2, y + 10))
    y = y + 10 + code_image.height + 20
    y = centred(caption, y, 52)
    y = centred("长按识别二维码 · 码号 " + qr.code, y, 40)
    if qr.township.phone:
        centred("咨询电话 " + qr.township.phone, y, 40)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
