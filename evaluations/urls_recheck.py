"""Routes of the recheck part of the evaluations app (included by evaluations/urls.py)."""

urlpatterns: list = []
