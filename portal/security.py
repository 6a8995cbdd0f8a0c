"""Response headers that limit what a page may do: CSP, Permissions-Policy, safe uploads.

Public pages are server-rendered and need no script at all: their policy
allows the site's own stylesheet and images and nothing else, so a stored
script (say, in a field a clerk filled) would not run even if escaping ever
failed. The JSON-LD ``<script type="application/ld+json">`` block is data, not
script: browsers do not execute it, and CSP does not apply to it.

The admin runs Django's own scripts from /static/: its policy allows scripts
from the site only (no inline script, no eval); styles may be inline, as
Django's and the project's admin templates use style attributes.

Uploaded files served by Django (the demo, DEBUG) get the headers the
production proxy sets (README, Production): a content type from a fixed list,
``attachment`` for documents, ``nosniff`` and a sandbox policy, so that even a
file that slipped through could never run as a page of this origin.
"""

import base64
import hashlib
import re
from urllib.parse import urlsplit

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "sync-xhr",
        "usb",
        "xr-spatial-tracking",
    )
)


def media_origin():
    """Return the origin of MEDIA_URL when uploads live on another host, else None."""
    parts = urlsplit(settings.MEDIA_URL)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _images():
    return [SELF, "data:", *filter(None, [media_origin()])]


def _static_style_hashes():
    """Return CSP hashes of the ``<style>`` blocks in templates that hold no template code.

    The pages for a failed scan carry their few lines of CSS inline, so that they load in one
    request on a weak network; their hash lets exactly that CSS through and nothing else.
    Computed from the template files at start-up, so an edited template never breaks its page.
    """
    hashes = []
    for path in sorted((settings.BASE_DIR / "templates").rglob("*.html")):
        if "admin" in path.parts:  # the admin allows inline styles anyway
            continue
        for block in STYLE_BLOCK.findall(path.read_text(encoding="utf-8")):
            if "{%" not in block and "{{" not in block:
                digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
                hashes.append(f"'sha256-{digest}'")
    return sorted(set(hashes))


STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)
PRINT_PATH = re.compile(r"^/(t/[^/]+/)?print/")


def public_policy(path=""):
    """The policy of every page that is not the admin: own styles and images, no script, no frames.

    Print pages keep their inline stylesheet (one request prints a whole sheet, codes
    included); they still may run no script.
    """
    # PORTAL_INLINE_STYLE_HASH: the public pages' stylesheet, inlined by base.html (portal.styles).
    public_styles = [SELF, settings.PORTAL_INLINE_STYLE_HASH, *STATIC_STYLE_HASHES]
    styles = [SELF, UNSAFE_INLINE] if PRINT_PATH.match(path) else public_styles
    return {
        "default-src": [NONE],
        "style-src": styles,
        "img-src": _images(),
        "form-action": [SELF],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }


def admin_policy():
    """The admin's policy: Django's scripts from this site only, never inline or eval'd."""
    return {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": _images(),
        "font-src": [SELF],
        "connect-src": [SELF],  # the admin's autocomplete widgets
        "form-action": [SELF],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    }


STATIC_STYLE_HASHES = _static_style_hashes()

# An uploaded file is never a page: it can load nothing, run nothing, and is not embeddable.
MEDIA_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
INLINE_MEDIA = {".jpg", ".jpeg", ".png"}

# What a view's django-csp decorators leave on a response: then the policy is built for it.
_PER_RESPONSE_ATTRIBUTES = (
    "_csp_exempt",
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt_ro",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
# The built header of each fixed policy ("admin", "print", "public"), filled on first use and
# emptied when a setting changes (tests move MEDIA_URL to another host).
_FIXED_POLICIES = {}
setting_changed.connect(lambda **kwargs: _FIXED_POLICIES.clear(), weak=False, dispatch_uid="fixed-csp-policies")


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware choosing the admin's or the public policy by path, plus the other headers."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if parts.config is None and not report_only:
            is_admin = request.path_info.startswith("/admin/")
            parts.config = admin_policy() if is_admin else public_policy(request.path_info)
        return parts

    def process_response(self, request, response):
        if self._is_media(request):
            self._protect_media(request, response)
        kind = self._fixed_policy_kind(request, response)
        if kind is None:
            response = super().process_response(request, response)
        elif "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self._fixed_policy(kind)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    @staticmethod
    def _fixed_policy_kind(request, response):
        """Which of the three fixed policies a response gets, or None when django-csp must build it.

        django-csp builds the header afresh on every response (a deep copy of the policy and a join),
        about a third of the cost of serving a static file or a cached page here. Nothing varies per
        request unless a view decorated it (``@csp_update`` and the like), used a nonce, or settings
        declare a report-only policy: those go the long way.
        """
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE_ATTRIBUTES)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or getattr(settings, "CONTENT_SECURITY_POLICY", None)
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return None
        path = request.path_info
        return "admin" if path.startswith("/admin/") else "print" if PRINT_PATH.match(path) else "public"

    def _fixed_policy(self, kind):
        policy = _FIXED_POLICIES.get(kind)
        if policy is None:
            config = admin_policy() if kind == "admin" else public_policy("/print/" if kind == "print" else "/")
            policy = _FIXED_POLICIES[kind] = build_policy(config=config)
        return policy

    @staticmethod
    def _is_media(request):
        return settings.MEDIA_URL.startswith("/") and request.path_info.startswith(settings.MEDIA_URL)

    @staticmethod
    def _protect_media(request, response):
        """Headers for an uploaded file served by Django (the demo); production's proxy sets the same."""
        name = request.path_info.rsplit("/", 1)[-1]
        suffix = name[name.rfind(".") :].lower() if "." in name else ""
        if response.status_code != 200:
            return
        response["Content-Type"] = MEDIA_TYPES.get(suffix, "application/octet-stream")
        if suffix not in INLINE_MEDIA:
            response["Content-Disposition"] = "attachment"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = MEDIA_POLICY
