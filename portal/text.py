"""Text as people type it and as spreadsheets show it: small functions every app may use.

Model-free and dependency-free, so that models, admin forms, the county
oversight workbook and the spreadsheet engine (``spreadsheets``) share one
definition instead of each writing its own.
"""

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
