"""Whom services' rows belong to (see portal.scoping)."""

from portal import scoping
from services.models import (
    Category,
    CertificateRule,
    LegalBasis,
    LifeEvent,
    Material,
    ResponsibilityEntry,
    ResponsibilityList,
    ServiceItem,
    Step,
)

scoping.register(ServiceItem, township="township")
scoping.register(Material, township="item__township")
scoping.register(Step, township="item__township")
scoping.register(ResponsibilityList, township="township")
scoping.register(ResponsibilityEntry, township="responsibility_list__township")
# A county-wide rule (no township) belongs to the county's reviewers; a township's own rule to its clerks.
scoping.register(CertificateRule, township="township", county="county")
scoping.register_shared(LegalBasis, Category, LifeEvent)
