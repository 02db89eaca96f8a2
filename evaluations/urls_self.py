"""Routes of the self part of the evaluations app (included by evaluations/urls.py)."""

urlpatterns: list = []
