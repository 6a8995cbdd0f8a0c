"""Template helpers for the public pages: dialable phones, Chinese dates, absolute addresses, JSON-LD."""

import json
from urllib.parse import quote

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from portal.codes import public_url
from portal.validators import tel_uri

register = template.Library()


@register.filter
def tel(phone):
    """Return the ``tel:`` URI of a phone number (empty when there is none)."""
    return tel_uri(phone)


@register.simple_tag
def phone_link(phone, label=""):
    """Render a phone number as a tap-to-call link; nothing when the number is empty."""
    if not phone:
        return ""
    if label:
        return format_html(
            '<a class="tel" href="{}"><span class="tel-label">{}</span><span class="tel-no">{}</span></a>',
            tel_uri(phone),
            label,
            phone,
        )
    return format_html('<a class="tel" href="{}"><span class="tel-no">{}</span></a>', tel_uri(phone), phone)


@register.simple_tag
def map_links(place, name):
    """Links that open ``place``'s coordinates in the phone's map app; nothing without coordinates.

    A ``geo:`` URI (Android's map apps, WGS-84) and Amap's web link (opens the
    app where installed, told the coordinates are WGS-84).
    """
    if place is None or place.latitude is None or place.longitude is None:
        return ""
    lat, lon = place.latitude, place.longitude
    geo = f"geo:{lat},{lon}?q={lat},{lon}({quote(name)})"
    amap = f"https://uri.amap.com/marker?position={lon},{lat}&name={quote(name)}&coordinate=wgs84&callnative=1"
    return format_html(
        '<span class="map"><a href="{}">{}</a> · <a href="{}" rel="noopener">{}</a></span>',
        geo,
        "在地图中打开",
        amap,
        "高德地图",
    )


@register.filter
def cn_date(value):
    """Return a date as residents write it: 2026年11月1日 (no leading zeros)."""
    if not value:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter(name="public_url")
def public_url_filter(path):
    """Return the public address of a site path (PORTAL_BASE_URL, never the request's host)."""
    return public_url(path)


@register.filter
def short_url(path):
    """Return the public address of a site path as written on paper: no scheme, e.g. ``bm.example.gov.cn/t/x/``.

    Built from PORTAL_BASE_URL, never from the request's host.
    """
    return public_url(path).split("://", 1)[-1]


@register.filter
def jsonld(data):
    """Return a JSON-LD ``<script>`` body, escaped so that no text can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)
