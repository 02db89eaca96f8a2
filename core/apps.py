from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "平台基础"

    def ready(self):
        # Before any app's table class exists: the date columns and the signature memo of core/tables.py (issue 16).
        from core import tables

        tables.install()
        from core import forms_defaults

        forms_defaults.apply()  # 请选择, not "---------", in every select of every form
        from core import exports, todo
        from imports import liveness

        # Large list exports run as jobs: their 待办 (download links) and the expiry of their files after every reaper
        # run (core/exports.py).
        todo.register(exports.todo_provider)
        liveness.register_cleanup(exports.expire)

        # The triggers that keep approved records and review logs immutable, (re)installed after every migrate,
        # once all apps' tables exist (core/immutability.py).
        from django.db.models.signals import post_migrate

        from core import immutability

        post_migrate.connect(immutability.install_all, sender=self, dispatch_uid="jixiao-immutability")
