"""Tell portal's QR codes about services' printable models (portal may not import services)."""

from django.urls import reverse


def register():
    """Register items and lists as code targets (codes issued on demand) and the certificate board's print page."""
    from portal.codes import register_board_print, register_target
    from portal.models import QRCode
    from services.models import ResponsibilityList, ServiceItem

    register_target(ServiceItem, placement=lambda item: f"百事通·{item.name}", auto=False)
    register_target(ResponsibilityList, placement=lambda rlist: f"{rlist.title}公示", auto=False)
    register_board_print(
        QRCode.Board.CERTIFICATES,
        lambda qr: reverse("print_certificate_boards", kwargs={"township": qr.township.slug}),
    )
