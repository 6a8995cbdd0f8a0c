"""Whom portal's rows belong to (see portal.scoping)."""

from portal import scoping
from portal.models import County, QRCode, QRScanDay, Township, Village

scoping.register(Township, township="")
scoping.register(Village, township="township")
scoping.register(County, county="")
scoping.register(QRCode, township="township")
scoping.register(QRScanDay, township="qr_code__township")
