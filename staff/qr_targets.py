"""Tell portal's QR codes about staff's printable models (portal may not import staff)."""

from django.urls import reverse


def register():
    """Register windows and posts (a code each, issued on creation) and offices (codes on demand)."""
    from portal.codes import register_target
    from staff.models import Office, Post, Window

    register_target(
        Window,
        placement=lambda window: str(window),
        print_url=lambda qr: reverse("print_window_card", kwargs={"township": qr.township.slug, "pk": qr.target_id}),
    )
    register_target(
        Post,
        placement=lambda post: f"{post.title}职责牌",
        print_url=lambda qr: reverse("print_duty_card", kwargs={"township": qr.township.slug, "pk": qr.target_id}),
    )
    register_target(Office, placement=lambda office: f"{office.name}门牌", auto=False)
