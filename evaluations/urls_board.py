"""Routes of the board part of the evaluations app (included by evaluations/urls.py)."""

urlpatterns: list = []
