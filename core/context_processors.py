from core import clock, fiscal
from core.navigation import stages_for, user_capabilities
from core.todo import counts_by_stage, todos_for


def shell(request):
    """What the page shell needs: stages, the fiscal year, the 待办 counts."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/api/"):
        return {}
    if not hasattr(request, "_todo_items"):
        request._todo_items = todos_for(user)
    counts = counts_by_stage(request._todo_items)
    return {
        "nav_stages": stages_for(user),
        "todo_total": len(request._todo_items),
        "todo_counts": counts,
        "fiscal_year": fiscal.current_year(request),
        "fiscal_years": fiscal.year_choices(),
        "business_date": clock.business_date(),
        "user_capabilities": user_capabilities(user),
    }
