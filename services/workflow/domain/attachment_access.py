"""Who may download an attachment and who may name it in a form.

Unbound, an attachment is its uploader's alone. Bound to an item (by the form of one of its
tasks), it is seen by those who see the item; bound to a task outside any item (an
accountability case a bulletin opened), by the uploader's unit and those who see every item.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from shared.identity import Principal
from shared.visibility import sees_item


def may_download(principal: Principal, attachment: Any, item_units: Sequence[str] | None) -> bool:
    """``attachment``: its row; ``item_units``: the lead unit and co-units of its item, if bound to one."""
    if attachment.item_id is not None:
        return item_units is not None and sees_item(principal, item_units)
    if attachment.bound_at is not None:
        return principal.sees_all or (principal.unit is not None and principal.unit == attachment.uploader_unit)
    return principal.username == attachment.uploaded_by


def binding_refused(principal: Principal, attachment: Any, item_id: uuid.UUID | None) -> str | None:
    """Why the caller may not name the attachment in a form of a task of ``item_id``, or None:
    it must be theirs or their unit's, and not bound to another item already."""
    if attachment is None:
        return "no such attachment"
    own = attachment.uploaded_by == principal.username or (
        principal.unit is not None and attachment.uploader_unit == principal.unit)
    if not own:
        return "no such attachment"  # another unit's file: not even its existence is told
    if attachment.bound_at is not None and (item_id is None or attachment.item_id != item_id):
        return "the attachment belongs to another task's form already"
    return None
