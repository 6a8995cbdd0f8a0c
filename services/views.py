from django.http import HttpResponse


def township_home(request, township, pk=None):
    return HttpResponse("TODO")


service_item = search = list_index = responsibility_list = certificate_boards = village = township_home
