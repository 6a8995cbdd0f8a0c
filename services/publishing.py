"""Publishing a service item is a decision: a clerk publishes a draft, and only a complete one.

Admin actions and forms call these; an import may create drafts (an empty
状态 cell is 草稿), which then wait on the clerk's board.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from services.models import ServiceItem


def item_publish(*, item, user):
    """Publish ``item`` (status 在办) if it lacks nothing a resident needs, else raise ValidationError saying what.

    An item already published is left as it is. The save goes through
    ``full_clean()`` and records ``user`` as its editor (history included).
    """
    if item.status != ServiceItem.Status.DRAFT:
        return item
    missing = item.missing_for_publication()
    if missing:
        raise ValidationError(
            _("“%(name)s”还不能发布，缺少：%(missing)s。")
            % {"name": item.name, "missing": "、".join(map(str, missing))}
        )
    with transaction.atomic():
        item.status = ServiceItem.Status.IN_FORCE
        if user is not None and user.is_authenticated:
            item.updated_by = user
            item._history_user = user
        item.full_clean()
        item.save()
    return item
