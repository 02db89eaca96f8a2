"""Routes of the provider's data requests (evaluations/provider_requests.py; included by evaluations/urls.py)."""

from django.urls import path

from evaluations import provider_requests

urlpatterns = [
    path("forms/<int:pk>/provider-requests/", provider_requests.ask_view, name="provider_ask"),
    path("provider-requests/<int:pk>/", provider_requests.request_view, name="provider_request"),
]
