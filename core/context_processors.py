from core import clock, fiscal
from core.navigation import stages_for, user_capabilities
from core.todo import counts_for


def shell(request):
    """What the page shell needs: stages, the fiscal year, the 待办 counts (cached per user, core/todo.py; the items
    are computed only by the pages that list them)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/api/"):
        return {}
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        # a fragment (a list's table, a panel): no shell around it, so no navigation and no 待办 version query
        return {"fiscal_year": fiscal.current_year(request)}
    counts = todo_counts(request)
    return {
        "nav_stages": stages_for(user),
        "todo_total": sum(counts.values()),
        "todo_counts": counts,
        "fiscal_year": fiscal.current_year(request),
        "fiscal_years": fiscal.year_choices(),
        "business_date": clock.business_date(),
        "user_capabilities": user_capabilities(user),
    }


def todo_counts(request) -> dict[str, int]:
    """The user's 待办 counts per stage, once per request."""
    if not hasattr(request, "_todo_counts"):
        request._todo_counts = counts_for(request.user)
    return request._todo_counts
