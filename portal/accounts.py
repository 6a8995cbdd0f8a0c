"""Staff accounts: a clerk of one township or a reviewer of one county, created or updated in one step."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from portal import roles, scoping
from portal.models import UserScope


@transaction.atomic
def staff_account_ensure(*, username, township=None, county=None, password=None):
    """Create or update the account ``username`` as a clerk of ``township`` or a reviewer of ``county``.

    Exactly one of ``township`` and ``county`` is given. Re-running with the
    same arguments changes nothing; with other ones it moves the account (its
    scope and its role group). ``password`` is set when given (validated by
    the project's password validators) and required for a new account.
    Return ``(user, created)``.
    """
    if (township is None) == (county is None):
        raise ValueError("Give a township (clerk) or a county (reviewer), not both.")
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    created = user is None
    if created and not password:
        raise ValueError("A new account needs a password.")
    if created:
        user = user_model(username=username)
    if password:
        validate_password(password, user)
        user.set_password(password)
    user.is_staff = True
    user.is_active = True
    user.save()
    UserScope.objects.update_or_create(user=user, defaults={"township": township, "county": county})
    roles.role_assign(user=user, role=roles.CLERK if township is not None else roles.REVIEWER)
    scoping.forget_scope(user)
    return user, created
