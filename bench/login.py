"""Benchmark: the cost of signing in (issue 16 "Sign-in cost").

Usage: .venv/bin/python bench/login.py [--surge 200] [--workers 2]

Prints, for Django's Argon2 defaults (m=100 MiB, t=2, p=8) and for the configured parameters (accounts/hashers.py,
OWASP's m=19 MiB, t=2, p=1 by default): the median time of one password check, and a surge — ``--surge`` sign-ins
checked by ``--workers`` processes at once (as gunicorn's workers would) — as sign-ins per second and the time the
last one waited. The baseline is Django's default hasher, run side by side; the ratio is ours / theirs.
"""

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
os.environ.setdefault("JIXIAO_SECURE_COOKIES", "0")

import django

django.setup()

from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402

from accounts.hashers import JixiaoArgon2PasswordHasher  # noqa: E402

PASSWORD = "Surge@2026x"
HASHERS = {"django": Argon2PasswordHasher, "ours": JixiaoArgon2PasswordHasher}


def check(args):
    name, encoded = args
    return HASHERS[name]().verify(PASSWORD, encoded)


def one_check_ms(name, encoded, repeat=15):
    hasher = HASHERS[name]()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        hasher.verify(PASSWORD, encoded)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def surge(name, encoded, count, workers):
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(check, [(name, encoded)] * workers))  # start the processes
        start = time.perf_counter()
        assert all(pool.map(check, [(name, encoded)] * count))
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--surge", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f}; {options.surge} sign-ins on {options.workers} processes")
    results = {}
    for name, cls in HASHERS.items():
        hasher = cls()
        encoded = hasher.encode(PASSWORD, hasher.salt())
        params = encoded.split("$")[3]
        single = one_check_ms(name, encoded)
        total = surge(name, encoded, options.surge, options.workers)
        results[name] = (single, total)
        print(
            f"{name:7s} {params:18s} one check {single:7.1f} ms   surge {total:6.1f} s = "
            f"{options.surge / total:6.1f} sign-ins/s, the last waited {total:.1f} s"
        )
    print(
        f"ratio ours/django: one check {results['ours'][0] / results['django'][0]:.2f}, "
        f"surge {results['ours'][1] / results['django'][1]:.2f}"
    )


if __name__ == "__main__":
    main()
