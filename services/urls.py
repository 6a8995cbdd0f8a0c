from django.urls import path

from search import views as search_views
from services import views

urlpatterns = [
    path("t/<slug:township>/", views.township_home, name="township_home"),
    path("t/<slug:township>/items/<int:pk>/", views.service_item, name="service_item"),
    path("t/<slug:township>/search/", search_views.search, name="search"),  # search in residents' own words
    path("t/<slug:township>/lists/", views.list_index, name="list_index"),
    path("t/<slug:township>/lists/<int:pk>/", views.responsibility_list, name="responsibility_list"),
    path("t/<slug:township>/certificates/", views.certificate_boards, name="certificate_boards"),
    path("t/<slug:township>/villages/<int:pk>/", views.village, name="village"),
]
