"""Routes of the documents part of the evaluations app (included by evaluations/urls.py)."""

urlpatterns: list = []
