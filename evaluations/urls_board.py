"""Routes of the board part of the evaluations app (included by evaluations/urls.py): finance's 自评情况看板."""

from django.urls import path

from evaluations import board_views

urlpatterns: list = [
    path("board/", board_views.board_page, name="board"),
]
