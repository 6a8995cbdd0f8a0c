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
    The queries do not grow with the number of items.
    """
    township = get_object_or_404(Township.objects.select_related("county"), slug=township)
    items = list(ServiceItem.objects.of_township(township).in_force().with_guide())
    item_codes = codes.codes_for_targets(township, items)
    entries = [
        {
            "number": number,
            "item": item,
            "qr": item_codes[item.pk],
            "svg": codes.code_svg(item_codes[item.pk], css_class="qr qr-small"),
        }
        for number, item in enumerate(items, start=1)
    ]
    gate = codes.gate_code(township)
    return render(
        request,
        "print/booklet.html",
        {
            "township": township,
            "entries": entries,
            "gate": gate,
            "gate_svg": codes.code_svg(gate),
            "gate_url": codes.printed_url(gate.code),
            "printed_on": timezone.localdate(),
        },
    )


@require_safe
def certificate_boards(request, township):
    """The two notice boards: what the village may issue, and what it no longer issues with the way around."""
    township = get_object_or_404(Township, slug=township)
    rules = list(CertificateRule.objects.for_township(township).with_alternative())
    qr = codes.board_code(township, QRCode.Board.CERTIFICATES)
    may = [rule for rule in rules if rule.may_issue]
    may_not = [rule for rule in rules if not rule.may_issue]
    return render(
        request,
        "print/certificate_boards.html",
        {
            "township": township,
            "may": may,
            "may_not": may_not,
            "qr": qr,
            "qr_svg": codes.code_svg(qr, css_class="qr qr-board"),
            "printed_url": codes.printed_url(qr.code),
            "printed_on": timezone.localdate(),
        },
    )
