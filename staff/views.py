from django.http import HttpResponse


def office(request, township, pk):
    return HttpResponse("TODO")


window = post = liaison_table = office
