"""Validators shared by every app: phone numbers as residents dial them."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A landline with area code (0359-0123456, optional extension -801), a mobile
# (13800000000) or a short government hotline (12345, 12388).
PHONE_PATTERN = r"^(0\d{2,3}-\d{7,8}(-\d{1,6})?|1\d{10}|1\d{4})$"

phone_validator = RegexValidator(
    PHONE_PATTERN,
    _("电话号码格式不正确：座机写作“区号-号码”（如 0359-0123456），手机写 11 位数字。"),
    code="invalid_phone",
)


def tel_uri(phone):
    """Return the ``tel:`` URI for a phone number as it is written on the page."""
    digits = re.sub(r"[^0-9+]", "", phone or "")
    return f"tel:{digits}" if digits else ""


def not_in_the_future(value):
    """Refuse a check date after today: it would hide the item from the 90-day staleness board."""
    if value is not None and value > timezone.localdate():
        raise ValidationError(_("核对日期不能晚于今天。"), code="checked_in_future")
