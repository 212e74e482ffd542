from django.urls import path

from blamefeedback import views

app_name = "blamefeedback"
urlpatterns = [
    path("", views.review, name="review"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("not-blame/", views.not_blame, name="not-blame"),
    path("is-blame/", views.is_blame, name="is-blame"),
    path("vocabulary/", views.vocabulary_page, name="vocabulary"),
    path("vocabulary/<int:pk>/delete/", views.vocabulary_delete, name="vocabulary-delete"),
]
