"""The picture a link shows when shared into a WeChat group (``og:image``): one per township, with its name.

Drawn server-side with Pillow and the CJK font the village WeChat image uses
(``portal.codes.cjk_font_path``), kept in Django's cache under the township's
name, so it is drawn once per name; browsers and WeChat may keep it a day.
"""

import hashlib
import io

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from portal.codes import _font, cjk_font_path
from portal.models import Township

SIZE = 600  # WeChat shows a square thumbnail
BRAND = (11, 61, 145)  # --brand in static/css/portal.css
CACHE_SECONDS = 7 * 24 * 3600


def share_image(name):
    """Return a SIZE×SIZE PNG: the township's name over 便民服务中心 and what the site answers, white on blue."""
    from PIL import Image, ImageDraw

    font_path = cjk_font_path()
    image = Image.new("RGB", (SIZE, SIZE), BRAND)
    draw = ImageDraw.Draw(image)

    def centred(text, y, size):
        font = _font(font_path, size)
        while draw.textlength(text, font=font) > SIZE - 60 and size > 24:  # a long name shrinks to fit
            size -= 4
            font = _font(font_path, size)
        box = draw.textbbox((0, 0), text, font=font)
        draw.text(((SIZE - (box[2] - box[0])) / 2 - box[0], y), text, font=font, fill="white")
        return y + (box[3] - box[1]) + size // 2

    y = centred(name, 150, 96)
    y = centred("便民服务中心", y + 10, 64)
    centred("去哪里办 · 找谁办 · 怎么办", y + 60, 36)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@require_safe
@cache_control(public=True, max_age=86400)
def share_png(request, township):
    """A township's share picture (``og:image`` of its pages), drawn once per name and cached."""
    name = get_object_or_404(Township.objects.values_list("name", flat=True), slug=township)
    key = "share-png:" + hashlib.sha256(name.encode()).hexdigest()
    png = cache.get(key)
    if png is None:
        png = share_image(name)
        cache.set(key, png, CACHE_SECONDS)
    return HttpResponse(png, content_type="image/png")
