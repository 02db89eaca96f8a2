"""The shell's own pages: home, 待办, stage landing pages, the fiscal-year switcher."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core import fiscal
from core.navigation import links_for, stages_for, user_capabilities
from core.todo import todos_for


def todo_items(request) -> list:
    """The user's 待办 items, once per request (only the pages that list them compute them; the navigation's
    counts come from core.todo.counts_for)."""
    if not hasattr(request, "_todo_items"):
        request._todo_items = todos_for(request.user)
    return request._todo_items


@login_required
def home(request):
    user = request.user
    from core import cockpit

    return render(
        request,
        "core/home.html",
        {
            "todo_items": todo_items(request)[:10],
            "assignments": user.role_assignments(),
            "cockpit": cockpit.cards_for(request),  # the leader's 驾驶舱 (issue 12 §6)
        },
    )


@login_required
def todo_list(request):
    items = todo_items(request)
    stage = request.GET.get("stage")
    if stage:
        items = [i for i in items if i.stage == stage]
    return render(request, "core/todo.html", {"items": items, "stage": stage, "title": "待办事项"})


@login_required
def stage_view(request, key):
    stage = next((s for s in stages_for(request.user) if s.key == key), None)
    if stage is None:
        raise Http404
    items = [i for i in todo_items(request) if i.stage == key]
    links = links_for(stage, request.user, user_capabilities(request.user))
    return render(request, "core/stage.html", {"stage": stage, "items": items, "title": stage.label, "links": links})


@login_required
@require_POST
def switch_year(request):
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    fiscal.set_year(request, year)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@login_required
def placeholder(request):
    return render(request, "core/stage.html", {"title": "建设中"})
