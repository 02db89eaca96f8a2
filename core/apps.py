from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "平台基础"

    def ready(self):
        from core import exports, todo
        from imports import liveness

        # Large list exports run as jobs: their 待办 (download links) and the expiry of their files after every reaper
        # run (core/exports.py).
        todo.register(exports.todo_provider)
        liveness.register_cleanup(exports.expire)
