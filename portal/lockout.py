"""Login throttling with django-axes: ten wrong passwords lock the account for a while.

Each wrong password costs the attacker nothing and the server a slow password
hash; without a limit a guessed password is only a matter of time. After
``AXES_FAILURE_LIMIT`` failures for one username the account is locked for
``AXES_COOLOFF_TIME`` (even the right password is refused meanwhile), and
``manage.py unlock_account USERNAME`` lifts the lock at once.
"""

from axes.backends import AxesStandaloneBackend
from django.shortcuts import render
from django.utils.translation import gettext as _


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check for every login through a request (the admin's login form, any view).

    ``authenticate()`` without a request (a management command, the shell, a
    test's ``client.login``) is no one guessing over the network: axes cannot
    tell who asks, so it is not throttled here; the model backend still
    checks the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The Chinese page a locked-out login gets (429), instead of axes' English text."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "page_title": _("登录失败次数太多，账号已暂时锁定"),
        "minutes": minutes,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = render(request, "errors/locked.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    response["Cache-Control"] = "no-store"
    return response
