from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = "审核流程"

    def ready(self):
        from core import todo
        from workflow.todo import count, provider

        todo.register(provider, count=count)

        from core.immutability import Guard, register
        from workflow.models import ReviewLog

        # The review history is append-only in the database (issue 17 §5).
        register(Guard(ReviewLog, always=True))
