"""Fix a miss from the clerk's board: the words become an item's keyword or a township synonym (one POST)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.models import Township
from search.misses import miss_fix
from services.models import ServiceItem


@require_POST
def fix_miss(request):
    """Add the missed words to the chosen item of the clerk's own township, as a keyword or as a synonym."""
    township = get_object_or_404(
        Township.objects.restrict(request.user, "change"), slug=request.POST.get("township", "")
    )
    item = get_object_or_404(
        ServiceItem.objects.restrict(request.user, "change").filter(township=township), pk=request.POST.get("item") or 0
    )
    as_synonym = request.POST.get("as") == "synonym"
    needed = "search.add_synonym" if as_synonym else "services.change_serviceitem"
    if not request.user.has_perm(needed):
        raise PermissionDenied
    try:
        done = miss_fix(
            township=township, query=request.POST.get("query", ""), item=item, as_synonym=as_synonym, user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(f"{reverse('admin:board')}?township={township.slug}#search-misses")
