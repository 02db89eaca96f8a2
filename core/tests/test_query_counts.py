"""Query counts as data (issue 11 §7, as NetBox's query_counts.json): for representative personas, every page the
navigation offers them and every list endpoint of the API router is fetched, and the number of queries of the second
request is compared with core/tests/query_counts.json. A count above its baseline fails; so does a page without a
baseline. Refresh after an intended change: ``JIXIAO_UPDATE_QUERY_COUNTS=1 pytest core/tests/test_query_counts.py``
(core.testing.QueryBaselines: values are kept per database vendor)."""

import pytest

from core.testing import QueryBaselines, measure, navigation_urls, offered, router_list_urls, user

pytestmark = pytest.mark.django_db

# perf and edu_preparer see every business page; each administrator has the system pages only he or she is offered.
REPRESENTATIVES = ["perf", "edu_preparer", "sysadmin", "secadmin", "auditadmin"]


# The shell's own pages: the fixed per-request work (session, user, policy, roles, the 待办 counts) is in every count.
SHELL_PAGES = ["/", "/todo/"]


def _urls(username: str) -> list[str]:
    pages = [url for _stage, urls in offered(user(username)) for url in urls]
    return list(dict.fromkeys(SHELL_PAGES + pages + router_list_urls()))


@pytest.mark.parametrize("username", REPRESENTATIVES)
def test_query_counts_do_not_exceed_their_baselines(username):
    counts, failed = measure(username, _urls(username))
    assert not failed, f"{username}: pages that did not answer 200: {failed}"
    QueryBaselines().check(f"{username} ", counts)


def test_the_representatives_cover_every_page_of_the_navigation():
    covered = {url for username in REPRESENTATIVES for _stage, urls in offered(user(username)) for url in urls}
    assert set(navigation_urls()) <= covered, sorted(set(navigation_urls()) - covered)
