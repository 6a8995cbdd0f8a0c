"""A scan count means people opening the link (issue 11, item 6): see portal/scans.py."""

import pytest
from django.core.cache import cache
from django.test import Client

from portal import codes
from portal.clients import client_fingerprint
from portal.models import QRScanDay
from tests.conftest import PHONE_USER_AGENT

pytestmark = pytest.mark.django_db

WECHAT = (
    "Mozilla/5.0 (Linux; Android 12; PCLM10) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0 "
    "Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230303 MMWEBID/1234 MicroMessenger/8.0.34.2340(0x28002237) "
    "WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
QQ = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 QQ/8.9.63.615 V1_IPH_SQ_8.9.63_1_APP_A Pixel/1170 MiniAppEnable SimpleUISwitch/0 "
    "StudyMode/0 CurrentMode/0 CurrentFontScale/1.000000 QQTheme/1000 Core/WKWebView Device/Apple(iPhone 12)"
)
NOT_PEOPLE = [
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1 Facebot Twitterbot/1.0",  # iMessage's preview
    "TelegramBot (like TwitterBot)",
    "WhatsApp/2.23.20.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 "
    "(compatible; Bytespider; spider-feedback@bytedance.com)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) QQ-URL-Manager",
    "Discordbot/2.0; +https://discordapp.com",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Go-http-client/1.1",
    "",
]


@pytest.fixture(autouse=True)
def repeat_window(settings):
    settings.PORTAL_SCAN_REPEAT_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def gate(township):
    return codes.gate_code(township)


def scans_of(qr):
    return sum(QRScanDay.objects.filter(qr_code=qr).values_list("count", flat=True))


def test_a_thousand_opens_from_one_phone_count_once(gate):
    phone = Client(HTTP_USER_AGENT=PHONE_USER_AGENT, REMOTE_ADDR="10.1.2.3")
    for _ in range(50):
        assert phone.get(f"/q/{gate.code}").status_code == 302
    assert scans_of(gate) == 1


def test_another_phone_or_another_address_is_another_person(gate):
    Client(HTTP_USER_AGENT=PHONE_USER_AGENT, REMOTE_ADDR="10.1.2.3").get(f"/q/{gate.code}")
    Client(HTTP_USER_AGENT=WECHAT, REMOTE_ADDR="10.1.2.3").get(f"/q/{gate.code}")
    Client(HTTP_USER_AGENT=PHONE_USER_AGENT, REMOTE_ADDR="10.9.9.9").get(f"/q/{gate.code}")
    assert scans_of(gate) == 3


def test_the_same_phone_counts_again_after_the_window(gate, settings):
    settings.PORTAL_SCAN_REPEAT_SECONDS = 600
    phone = Client(HTTP_USER_AGENT=PHONE_USER_AGENT, REMOTE_ADDR="10.1.2.3")
    phone.get(f"/q/{gate.code}")
    cache.clear()  # the window has passed: the cache forgot the client
    phone.get(f"/q/{gate.code}")
    assert scans_of(gate) == 2


def test_one_phone_scanning_two_codes_counts_each(township, gate):
    other = codes.board_code(township, codes.QRCode.Board.LIAISON)
    phone = Client(HTTP_USER_AGENT=PHONE_USER_AGENT)
    phone.get(f"/q/{gate.code}")
    phone.get(f"/q/{other.code}")
    assert scans_of(gate) == 1 and scans_of(other) == 1


@pytest.mark.parametrize("agent", [WECHAT, QQ, PHONE_USER_AGENT])
def test_chat_apps_in_app_browsers_are_people(gate, agent):
    assert Client(HTTP_USER_AGENT=agent).get(f"/q/{gate.code}").status_code == 302
    assert scans_of(gate) == 1


@pytest.mark.parametrize("agent", NOT_PEOPLE)
def test_previewers_bots_and_scripts_are_redirected_but_not_counted(gate, agent):
    response = Client(HTTP_USER_AGENT=agent).get(f"/q/{gate.code}")
    assert response.status_code == 302
    assert scans_of(gate) == 0


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_SEC_PURPOSE": "prefetch"}, {"HTTP_PURPOSE": "prefetch"}, {"HTTP_X_MOZ": "prefetch"}],
)
def test_a_prefetch_is_not_counted(gate, headers):
    assert Client(HTTP_USER_AGENT=PHONE_USER_AGENT, **headers).get(f"/q/{gate.code}").status_code == 302
    assert scans_of(gate) == 0


def test_a_head_request_is_answered_but_not_counted(gate):
    assert Client(HTTP_USER_AGENT=PHONE_USER_AGENT).head(f"/q/{gate.code}").status_code == 302
    assert scans_of(gate) == 0


def test_the_client_is_known_only_as_a_keyed_hash(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT=PHONE_USER_AGENT)
    fingerprint = client_fingerprint(request)
    assert "10.1.2.3" not in fingerprint and len(fingerprint) == 32
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert client_fingerprint(request) != fingerprint  # not a plain hash anyone could recompute


def test_behind_the_proxy_the_forwarded_address_tells_clients_apart(gate, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.2"):
        Client(HTTP_USER_AGENT=PHONE_USER_AGENT, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP=address).get(f"/q/{gate.code}")
    assert scans_of(gate) == 2


def test_a_garbled_forwarded_address_falls_back_to_the_connection(rf, settings):
    from portal.clients import client_ip

    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_REAL_IP="<script>")) == "10.0.0.5"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_REAL_IP="10.1.1.1")) == "10.1.1.1"
    request = rf.get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) is None
