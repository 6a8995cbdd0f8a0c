from django.urls import path

from staff import views

urlpatterns = [
    path("t/<slug:township>/offices/<int:pk>/", views.office, name="office"),
    path("t/<slug:township>/windows/<int:pk>/", views.window, name="window"),
    path("t/<slug:township>/posts/<int:pk>/", views.post, name="post"),
    path("t/<slug:township>/liaison/", views.liaison_table, name="liaison_table"),
]
