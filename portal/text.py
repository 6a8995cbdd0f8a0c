"""Text as people type it and as spreadsheets show it: small functions every app may use.

Model-free and dependency-free, so that models, admin forms, the county
oversight workbook and the spreadsheet engine (``spreadsheets``) share one
definition instead of each writing its own.
"""

import re
import unicodedata

# A cell starting with one of these is run as a formula by Excel, WPS or LibreOffice
# (tab and carriage return: some programs strip them and read what follows).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _needs_escape(text):
    if not text:
        return False
    if text[0] in FORMULA_TRIGGERS:
        return True
    # A value that already starts with the escape apostrophe is escaped once
    # more, so that stripping one apostrophe on import gives it back unchanged.
    return text[0] == "'" and _needs_escape(text[1:])


def escape_formula(value):
    """Return ``value`` with an apostrophe in front if a spreadsheet would run it as a formula.

    django-import-export's ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` (and
    tablib's ``escape``) delete a leading ``=`` instead, which loses data and
    leaves ``+``/``-``/``@`` alone, so they are not used.
    """
    if isinstance(value, str) and _needs_escape(value):
        return "'" + value
    return value


def unescape_formula(value):
    """Undo :func:`escape_formula` on a cell read back from a file."""
    if isinstance(value, str) and value.startswith("'") and _needs_escape(value[1:]):
        return value[1:]
    return value


# --- names, codes and phone numbers as people read them ------------------------------------------

# Characters that show nothing but make two equal-looking names differ: zero-width space and joiners,
# the byte-order mark pasted from web pages and WeChat, soft hyphen, direction marks, word joiner.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
# Full-width letters and digits (０-９, Ａ-Ｚ, ａ-ｚ) and the ideographic space: typed with a Chinese input method.
_WIDE = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF5B) if chr(code - 0xFEE0).isalnum()}
_WIDE[0x3000] = 0x20


def clean_line(value):
    """Return a one-line value (a name, a title) as it reads: invisible characters gone, spaces single, trimmed.

    Full-width letters and digits become ordinary ones; Chinese punctuation
    such as （）、：is kept, it is how the names are written.
    """
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", _INVISIBLE.sub("", value)).translate(_WIDE)
    return _SPACES.sub(" ", value).strip()


def clean_text(value):
    """Return free text with invisible characters removed (line breaks and spacing kept)."""
    if not isinstance(value, str):
        return value
    return _INVISIBLE.sub("", value)


def clean_code(value):
    """Return a code (事项编号, 基本编码) in its canonical form: NFKC (ＤＬ－００１ → DL-001), no spaces at the ends."""
    if not isinstance(value, str):
        return value
    return clean_line(unicodedata.normalize("NFKC", _INVISIBLE.sub("", value)))


def clean_phone(value):
    """Return a phone number in the form the portal dials: 0359-0321031, 0359-0321031-801, 10012345678, 12345.

    Accepts what people type: full-width digits, spaces, dots, dashes of any
    width, the area code in brackets. Anything that is not only digits and
    such separators is returned cleaned but otherwise as typed (the validator
    then says what is wrong).
    """
    if not isinstance(value, str):
        return value
    text = clean_code(value)
    text = re.sub(r"[‐‑‒–—―−﹣]", "-", text)
    if not text or re.search(r"[^\d\s.\-()]", text):
        return text
    groups = re.findall(r"\d+", text)
    if len(groups) == 1:
        digits = groups[0]
        if digits.startswith("0") and len(digits) > 9:
            area = 3 if digits[1] in "12" else 4  # 010, 02x: three digits; every other area code: four
            return f"{digits[:area]}-{digits[area:]}"
        return digits
    if groups[0].startswith("0") and len(groups[0]) in (3, 4):
        rest = groups[1:]
        if len(rest) >= 2 and len(rest[-1]) <= 6 and len("".join(rest[:-1])) in (7, 8):
            return f"{groups[0]}-{''.join(rest[:-1])}-{rest[-1]}"
        return f"{groups[0]}-{''.join(rest)}"
    return "".join(groups)


def name_key(value):
    """Return the form two names are compared in: as :func:`clean_code`, with no spaces and one kind of bracket."""
    text = clean_code(str(value or ""))
    text = _SPACES.sub("", text).replace("(", "（").replace(")", "）")
    return text.replace("（必填）", "").strip("*＊")


def clean_field_value(field, value):
    """Return ``value`` cleaned for a model field: phones, codes, one-line names and free text each their way.

    Used by ``TrackedModel.clean_fields()`` (every admin form) and by the
    spreadsheet import (before it compares), so both store the same.
    """
    from django.db import models

    if not isinstance(value, str) or field.choices:
        return value
    if any(getattr(v, "code", "") == "invalid_phone" for v in field.validators):
        return clean_phone(value)
    if isinstance(field, models.TextField):
        return clean_text(value)
    if isinstance(field, models.URLField | models.EmailField | models.SlugField):
        return value.strip()
    if isinstance(field, models.CharField):
        return clean_code(value) if field.name == "code" or field.name.endswith("_code") else clean_line(value)
    return value
