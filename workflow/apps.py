from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = "审核流程"

    def ready(self):
        from core import todo
        from workflow.todo import count, provider

        todo.register(provider, count=count)
