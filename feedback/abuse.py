"""Abuse resistance without a captcha: a cap on the body, per-client rate limits, and a polite refusal.

Rate limits count in Django's configured cache through django-ratelimit, keyed
by the client's address (``portal.clients.client_ip``: REMOTE_ADDR, or the
proxy's header named by ``CLIENT_IP_HEADER``). With the
default per-process LocMemCache each gunicorn worker counts on its own;
production should use a shared cache (Redis) so a limit means what it says.
"""

import functools

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage, is_ratelimited

from portal.clients import client_ip

# The largest form here is a few hundred characters; anything much bigger is not a resident typing.
MAX_BODY_BYTES = 8 * 1024

SUBMIT = "feedback.submit"
LOOKUP = "feedback.lookup"
ATTEMPT = "feedback.attempt"
# A resident who corrects a refused form (a Sunday, a mistyped phone) has not submitted twice: only stored
# submissions count against PORTAL_FEEDBACK_RATE. Every POST still counts against this many times the rate,
# so a flood of bad forms stays as cheap as one of good ones.
ATTEMPTS_PER_SUBMISSION = 3


def submit_rate():
    return getattr(settings, "PORTAL_FEEDBACK_RATE", "10/h")


def lookup_rate():
    return getattr(settings, "PORTAL_STATUS_LOOKUP_RATE", "20/h")


def attempt_rate():
    """Return the cap on every submission POST of one client: ``ATTEMPTS_PER_SUBMISSION`` times the rate."""
    count, _slash, period = submit_rate().partition("/")
    return f"{int(count) * ATTEMPTS_PER_SUBMISSION}/{period}"


def client_key(group, request):
    """Return the rate-limit key of the client that sent ``request`` (its address, as the project reads it)."""
    return "ip:" + client_ip(request)


def _reference_key(group, request):
    return "ref:" + request.POST.get("reference", "")[:12]


def refusal(request, township_slug, *, group=SUBMIT):
    """Return a polite refusal page (413 or 429) for an oversize or over-limit POST, or None to go on.

    Decides before anything is parsed, read from the database or stored: a refused submission costs
    two cache reads and a small page, so a flood stays cheap. A status lookup counts every POST (guessing
    a phone suffix is what it limits); a submission counts every POST against the looser attempt cap and
    is refused once the client's stored submissions reach the rate (``submission_counted`` after saving).
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = MAX_BODY_BYTES + 1
    if length > MAX_BODY_BYTES:
        return HttpResponse(_refusal_page(township_slug, too_large=True), status=413)
    if group == SUBMIT:
        limited = is_ratelimited(
            request, group=ATTEMPT, key=client_key, rate=attempt_rate(), method="POST", increment=True
        )
        if not limited:
            usage = get_usage(request, group=SUBMIT, key=client_key, rate=submit_rate(), method="POST")
            limited = usage is None or usage["count"] >= usage["limit"]
    else:
        rate = lookup_rate()
        limited = is_ratelimited(request, group=group, key=client_key, rate=rate, method="POST", increment=True)
        if not limited:
            # Guessing one request's phone suffix from many addresses is limited per reference too.
            limited = is_ratelimited(request, group=group, key=_reference_key, rate=rate, method="POST", increment=True)
    if limited:
        return HttpResponse(_refusal_page(township_slug, too_large=False), status=429)
    return None


def submission_counted(request):
    """Count a stored submission of this client against PORTAL_FEEDBACK_RATE (call after saving it)."""
    get_usage(request, group=SUBMIT, key=client_key, rate=submit_rate(), method="POST", increment=True)


@functools.lru_cache(maxsize=256)
def _refusal_page(township_slug, *, too_large):
    """Return the refusal page's HTML, rendered once per township: a flood is answered from memory.

    Rendered without the request, so it carries no per-visitor state (no CSRF token, standard text size).
    """
    context = {"township_slug": township_slug, "page_title": _("请稍后再试"), "too_large": too_large}
    return render_to_string("feedback/refused.html", context)
