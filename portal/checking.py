"""Last-checked dates: a clerk confirms that rows still match reality, and the record says who and when."""

from django.db import transaction
from django.utils import timezone

from portal import history

# Each "checked on" date and the account that checked it. Staff carry the
# date their phones were last rung. A liaison row's county confirmation is not
# here: only a county reviewer gives it (staff.oversight.liaisons_confirm).
CHECK_FIELDS = {
    "last_checked_on": "last_checked_by",
    "phone_checked_on": "phone_checked_by",
}


def check_fields(model):
    """Return ``[(date field, by field or None)]`` that ``model`` carries."""
    names = {field.name for field in model._meta.get_fields()}
    return [(date, by if by in names else None) for date, by in CHECK_FIELDS.items() if date in names]


@transaction.atomic
def rows_mark_checked(*, rows, user, on=None):
    """Mark each row (a queryset or list) as checked ``on`` (today) by ``user``; return how many.

    Saved one by one through ``save()`` so that every row's change history
    records who checked it, whatever calls this (admin action, command).
    """
    on = on or timezone.localdate()
    count = 0
    for row in rows:
        fields = check_fields(type(row))
        if not fields:
            continue
        update = []
        for date_field, by_field in fields:
            setattr(row, date_field, on)
            update.append(date_field)
            if by_field is not None:
                setattr(row, by_field, user)
                update.append(by_field)
        if hasattr(row, "updated_by_id"):
            update += ["updated_by", "updated_at"]
        history.stamp_user(row, user, created=False)
        row.save(update_fields=update)
        count += 1
    return count
