"""Printable cards: the window card and the duty-board card, each with its code (read only: never issued here)."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from portal import codes
from staff.models import Post, Window


@require_safe
def window_card(request, township, pk):
    window = get_object_or_404(
        Window.objects.select_related("township", "office", "primary_staff", "backup_staff").prefetch_related(
            "departments"
        ),
        township__slug=township,
        pk=pk,
    )
    qr = codes.printable(codes.existing_codes_for(window.township, [window]).get(window.pk))
    return render(
        request,
        "print/window_card.html",
        {
            "window": window,
            "township": window.township,
            "qr": qr["qr"],
            "qr_svg": qr["svg"],
            "printed_url": qr["printed_url"],
        },
    )


@require_safe
def duty_card(request, township, pk):
    post = get_object_or_404(Post.objects.with_holders().select_related("township"), township__slug=township, pk=pk)
    qr = codes.printable(codes.existing_codes_for(post.township, [post]).get(post.pk))
    return render(
        request,
        "print/duty_card.html",
        {
            "post": post,
            "township": post.township,
            "qr": qr["qr"],
            "qr_svg": qr["svg"],
            "printed_url": qr["printed_url"],
        },
    )
