"""The password hasher: Argon2id with the parameters OWASP's Password Storage Cheat Sheet recommends, configurable.

Django's defaults (``time_cost=2``, ``memory_cost=100 MiB``, ``parallelism=8``) cost about 240 ms of CPU per sign-in
on the 2-core servers these bureaus run, so a deadline-day surge of sign-ins queues behind the hasher. OWASP's
minimum for Argon2id (``m=19 MiB, t=2, p=1``) is the default here; each parameter is a setting
(``JIXIAO_ARGON2_*``, docs/admin-guide.md §10), never a constant. A stored hash made with other parameters is
re-hashed with these at the owner's next successful sign-in (Django's ``must_update``). docs/decisions/0032.
"""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class JixiaoArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2id hasher with its cost read from the settings (same algorithm name: existing hashes verify)."""

    @property
    def time_cost(self):
        return settings.JIXIAO_ARGON2_TIME_COST

    @property
    def memory_cost(self):
        return settings.JIXIAO_ARGON2_MEMORY_KIB

    @property
    def parallelism(self):
        return settings.JIXIAO_ARGON2_PARALLELISM
