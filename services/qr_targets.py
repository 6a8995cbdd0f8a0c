"""Tell portal's QR codes about services' printable models (portal may not import services)."""

from django.urls import reverse


def register():
    """Register items (a code each while in force) and lists (on demand) as code targets, and the boards' print page."""
    from portal.codes import register_board_print, register_target
    from portal.models import QRCode
    from services.models import ResponsibilityList, ServiceItem

    # Every item in force has its code for the booklet (百事通); withdrawn and merged ones get one on demand.
    register_target(
        ServiceItem,
        placement=lambda item: f"百事通·{item.name}",
        auto_filter={"status__in": [ServiceItem.Status.IN_FORCE, ServiceItem.Status.SUSPENDED]},
    )
    register_target(ResponsibilityList, placement=lambda rlist: f"{rlist.title}公示", auto=False)
    register_board_print(
        QRCode.Board.CERTIFICATES,
        lambda qr: reverse("print_certificate_boards", kwargs={"township": qr.township.slug}),
    )
