from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluations"
    verbose_name = "绩效评价"

    def ready(self):
        from core import todo
        from core.immutability import Guard, register
        from evaluations import provider_requests

        todo.register(provider_requests.todo_provider, count=provider_requests.todo_count)  # 承接主体配合提供数据
        from evaluations import (
            demo,  # noqa: F401 - registers the demo seeder (the closed year's self-evaluation)
            demo_recheck,  # noqa: F401 - then the closed year's spot re-check (registered after it)
            self_actions,  # noqa: F401 - the workflow hooks and the round's lifecycle
            summaries,  # noqa: F401 - the department summary's workflow hook
        )
        from evaluations.models import RecheckIndicator, RecheckItem, SelfEvaluation, SelfEvaluationIndicator

        # Approved self-evaluations and their rows are immutable in the database (issue 17 §5).
        register(Guard(SelfEvaluation, when="status = 'approved'", mutable=("updated_at",)))
        register(Guard(SelfEvaluationIndicator, parent=("evaluation_id", SelfEvaluation)))
        # A submitted re-check is final: the discrepancy report and the inflation index rest on it.
        register(Guard(RecheckItem, when="status = 'submitted'", mutable=()))
        register(Guard(RecheckIndicator, parent=("item_id", RecheckItem)))
