from django.shortcuts import render

from portal.models import County


def directory(request):
    counties = County.objects.prefetch_related("townships")
    return render(request, "portal/directory.html", {"counties": counties})
