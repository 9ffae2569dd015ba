"""Mobile numbers: parsed with phonenumbers, stored in E.164, so SMS reminders reach a phone."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def normalize_mobile(raw: str, default_region: str = "FR") -> str:
    """Return the number in E.164 ('+33612345678') or raise ValidationError saying why not."""
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="invalid_phone", params={"value": text}
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."),
            code="invalid_phone",
            params={"value": text},
        )
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValidationError(
            _("“%(value)s” is not a mobile number; SMS reminders need a mobile."),
            code="not_mobile",
            params={"value": text},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164_mobile(value: str) -> None:
    """Model-level check: the stored value must already be a valid mobile in E.164."""
    if value and normalize_mobile(value) != value:
        raise ValidationError(
            _("Store mobile numbers in international form, such as +33612345678."),
            code="not_e164",
        )
