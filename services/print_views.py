"""Printable pages of the catalogue: the household booklet (百事通) and the certificate notice boards."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from portal import codes
from portal.models import QRCode, Township
from services.models import CertificateRule, ServiceItem


@require_safe
def booklet(request, township):
    """Every item in force, one A4 page each, after a cover and a table of contents.

    One item a page (一事一页): when an item changes, the township reprints
    that page alone. Each item carries a small code that opens its current
    guide, so a booklet on a kitchen shelf never sends anyone to a stale page.
    The queries do not grow with the number of items. It only reads: an item
    without a code yet shows a notice (codes are issued in the admin and by
    ``issue_codes``).
    """
    township = get_object_or_404(Township.objects.select_related("county"), slug=township)
    items = list(ServiceItem.objects.of_township(township).in_force().with_guide())
    item_codes = codes.existing_codes_for(township, items)
    entries = [
        {"number": number, "item": item, **codes.printable(item_codes.get(item.pk), css_class="qr qr-small")}
        for number, item in enumerate(items, start=1)
    ]
    gate = codes.printable(codes.existing_gate_code(township))
    return render(
        request,
        "print/booklet.html",
        {
            "township": township,
            "entries": entries,
            "gate": gate["qr"],
            "gate_svg": gate["svg"],
            "gate_url": gate["printed_url"],
            "printed_on": timezone.localdate(),
        },
    )


@require_safe
def certificate_boards(request, township):
    """The two notice boards: what the village may issue, and what it no longer issues with the way around."""
    township = get_object_or_404(Township, slug=township)
    rules = list(CertificateRule.objects.for_township(township).with_alternative())
    board = codes.printable(codes.existing_board_code(township, QRCode.Board.CERTIFICATES), css_class="qr qr-board")
    may = [rule for rule in rules if rule.may_issue]
    may_not = [rule for rule in rules if not rule.may_issue]
    return render(
        request,
        "print/certificate_boards.html",
        {
            "township": township,
            "may": may,
            "may_not": may_not,
            "qr": board["qr"],
            "qr_svg": board["svg"],
            "printed_url": board["printed_url"],
            "printed_on": timezone.localdate(),
        },
    )
