"""Whom feedback's rows belong to (see portal.scoping): every case and rating to its township."""

from feedback.models import Case, CaseEvent, Enquiry, Rating
from portal import scoping

scoping.register(Case, township="township")
# A proxy model has its own permissions: declared too, so the clerk role gets them (portal.roles).
scoping.register(Enquiry, township="township")
scoping.register(CaseEvent, township="case__township")
scoping.register(Rating, township="township")
