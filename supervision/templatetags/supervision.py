"""Showing a figure: a number, a dash for "not counted", a link to the rows behind it."""

from django import template
from django.utils.html import format_html

from supervision.table import figure_shown

register = template.Library()


@register.filter
def figure(values, key):
    """``values[key]`` as shown: the number, 未留存 where a list figure was not kept, — where nothing was counted."""
    return figure_shown(values, key)


@register.simple_tag
def figure_link(values, key, links):
    """The figure, linked to the admin list of its rows when the account may open it."""
    shown = figure(values, key)
    href = (links or {}).get(key)
    if href is None or values.get(key) is None:
        return shown
    return format_html('<a href="{}">{}</a>', href, shown)


@register.simple_tag
def level_link(n, level, links):
    href = (links or {}).get(f"ratings_{level}")
    return format_html('<a href="{}">{}</a>', href, n) if href else n
