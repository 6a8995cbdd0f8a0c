"""The public pages' stylesheet, inlined into each page so that it paints from its first response.

On a rural network a round trip takes about two seconds: a linked stylesheet
costs a second one after the HTML (and a third after a scanned code's
redirect). The stylesheet is small (about 3 KB gzipped), so every public page
carries it in a ``<style>`` element instead. It is read once per process,
stripped of comments and indentation, and hashed: a Content-Security-Policy
allows the element with ``style-src 'self' <INLINE_STYLE_HASH>`` (the hash is
also ``settings.PORTAL_INLINE_STYLE_HASH``), so no ``'unsafe-inline'`` is needed.

This module must not import Django: the settings import it to publish the hash.
"""

import base64
import hashlib
import re
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "portal.css"

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SPACE_AROUND = re.compile(r"\s*([{};,>])\s*")


def minify(css):
    """Return ``css`` without comments, indentation or spaces around punctuation; the rules are unchanged."""
    css = _COMMENT.sub("", css)
    css = re.sub(r"\s+", " ", css)
    css = _SPACE_AROUND.sub(r"\1", css)
    return css.replace(";}", "}").strip()


def csp_hash(text):
    """Return the CSP source expression (``'sha256-…'``) that allows an inline element with exactly ``text``."""
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


INLINE_CSS = minify(STYLESHEET.read_text(encoding="utf-8"))
INLINE_STYLE_HASH = csp_hash(INLINE_CSS)
