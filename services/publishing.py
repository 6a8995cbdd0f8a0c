"""Publishing a service item is a decision: a clerk publishes a draft, and only a complete one.

Admin actions and forms call these; an import may create drafts (an empty
状态 cell is 草稿), which then wait on the clerk's board. A form or a sheet
that gives a draft (or a new item) the status 在办 goes through
``item_held_back``: an incomplete one stays a draft, and the clerk is told
what it lacks.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from services.models import ServiceItem


def item_held_back(*, item, was_draft, material_count=None):
    """Return what keeps ``item`` from taking the published status it was given (labels), or [] when it may.

    ``was_draft`` says whether it was a draft (or new) before this edit: an
    item already published keeps its status, as in the admin. An item given
    a draft or withdrawn status is not held back. ``material_count`` is the
    number of materials it will have (an import counts its file's rows; a
    new item has none in the database yet); without it they are counted.
    """
    if not was_draft or not item.is_available:
        return []
    if material_count is not None:
        item.material_count = material_count
    return item.missing_for_publication()


def published_item_missing(*, item, material_count=None, before=()):
    """Return what a published (在办 or 暂停) ``item`` would newly lack after this edit (labels), or [].

    An item already published is not turned back into a draft behind the
    clerk's back: the edit is refused instead (the admin form, an import's
    row), naming what is missing. ``before`` is what the stored item already
    lacked (labels): an edit that loses nothing more is not refused, so an
    item written incomplete in bulk can still be edited (the board lists it).
    ``material_count`` as for ``item_held_back``.
    """
    already = {str(label) for label in before}
    missing = item_held_back(item=item, was_draft=True, material_count=material_count)
    return [label for label in missing if str(label) not in already]


def published_incomplete_message(item, missing):
    """Return the Chinese sentence refusing an edit that leaves published ``item`` without ``missing``."""
    return _(
        "“%(name)s”已发布，不能缺少：%(missing)s。请补齐后再保存；确实要撤下，请先把状态改为“草稿”或“已取消”。"
    ) % {"name": item.name, "missing": "、".join(map(str, missing))}


def held_back_message(item, missing):
    """Return the Chinese sentence a clerk reads when ``item`` stays a draft for lacking ``missing``."""
    return _("“%(name)s”仍为草稿，未发布：缺少%(missing)s。补齐后在后台发布。") % {
        "name": item.name,
        "missing": "、".join(map(str, missing)),
    }


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
