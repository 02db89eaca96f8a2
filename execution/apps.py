from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "execution"
    verbose_name = "预算执行数据"

    def ready(self):
        from core import todo
        from execution import (
            demo,  # noqa: F401 - registers the demo seeder (after the targets' one)
            jobs,  # noqa: F401 - registers the load kinds' titles with the job runner
        )
        from execution import todo as execution_todo

        todo.register(execution_todo.provider, count=execution_todo.count)  # the 待匹配 queue (issue 12 §6)
