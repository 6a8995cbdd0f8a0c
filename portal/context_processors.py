from django.conf import settings
from django.utils.safestring import mark_safe

from portal.styles import INLINE_CSS

LARGE_TEXT_COOKIE = "large_text"


def portal(request):
    """Expose the reading preferences every public page needs, and its stylesheet to inline (portal.styles)."""
    return {
        "inline_css": mark_safe(INLINE_CSS),  # our own stylesheet file, never user input
        "large_text": request.COOKIES.get(LARGE_TEXT_COOKIE) == "1",
        "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
    }
