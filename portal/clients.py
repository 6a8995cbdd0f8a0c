"""Who is asking: the client's address behind the proxy, and whether it is a person at all.

Shared by the scan counter, the rate limits and the login lockout, so all three
see the same address. Behind the reverse proxy every request comes from the
proxy's address; ``CLIENT_IP_HEADER`` names the header the proxy sets to the
real one (nginx: ``proxy_set_header X-Real-IP $remote_addr;`` and
``CLIENT_IP_HEADER=HTTP_X_REAL_IP``). Never trust a header the proxy does not
overwrite: a client could send any address it likes.
"""

import hashlib
import hmac
import ipaddress
import re

from django.conf import settings

# Link-preview fetchers of chat apps, search engines and scripts: they open the link, nobody reads it.
# Chat apps' in-app browsers (WeChat's "MicroMessenger", QQ's "QQ/") are people and are not matched.
NOT_A_PERSON = re.compile(
    r"bot\b|bot/|spider|crawl|slurp|preview|facebookexternalhit|facebot|whatsapp/|telegrambot|slackbot|"
    r"discordbot|linkedinbot|skypeuripreview|qq-url-manager|qqbrowser-preview|wechat-link|ia_archiver|"
    r"headlesschrome|phantomjs|curl/|wget/|python-|go-http-client|java/|okhttp|libwww|httpclient|axios/|"
    r"node-fetch|scrapy|feedfetcher|bytespider|yisouspider|sogou|360spider|baiduspider|petalbot",
    re.IGNORECASE,
)

PREFETCH_HEADERS = ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz")


def _address(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request):
    """Return the client's address: ``settings.CLIENT_IP_HEADER`` when set (behind the proxy), else REMOTE_ADDR.

    None when there is no valid address (a request built in code, a garbled header): the login
    lockout stores the address in an address column, where anything else would fail.
    """
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    value = request.META.get(header, "") if header else ""
    if value:
        # X-Forwarded-For may list several hops; the proxy appends the one it saw last.
        address = _address(value.split(",")[-1])
        if address:
            return address
    return _address(request.META.get("REMOTE_ADDR") or "")


def client_fingerprint(request):
    """Return a keyed hash of address and user agent: who a client is for a few minutes, unreadable and never stored.

    Keyed with SECRET_KEY so the hash cannot be reversed by trying every IPv4 address.
    """
    material = f"{client_ip(request)}\n{request.headers.get('User-Agent', '')}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), material, hashlib.sha256).hexdigest()[:32]


def is_a_known_robot(request):
    """Whether a request says it is a prefetch, or names a crawler, link previewer or script in its user agent."""
    for header in PREFETCH_HEADERS:
        value = request.headers.get(header, "").lower()
        if "prefetch" in value or "preview" in value or "prerender" in value:
            return True
    return NOT_A_PERSON.search(request.headers.get("User-Agent", "")) is not None


def is_a_person_opening(request):
    """Whether a request looks like a person opening the link (not HEAD, a prefetch, a bot or a previewer)."""
    if request.method != "GET" or is_a_known_robot(request):
        return False
    return bool(request.headers.get("User-Agent", "").strip())
