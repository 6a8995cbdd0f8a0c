from django.conf import settings

LARGE_TEXT_COOKIE = "large_text"


def portal(request):
    """Expose the reading preferences every public page needs."""
    return {
        "large_text": request.COOKIES.get(LARGE_TEXT_COOKIE) == "1",
        "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
    }
