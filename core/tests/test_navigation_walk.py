"""The walk (issue 11 §7), without a browser: every demo persona opens the home page, 待办, every stage the navigation
offers it and every link offered there, and every list endpoint of the API router. Nothing answers 500; every offered
stage and link answers 200 (and the stage page shows the link); a stage not offered answers 404; a page of the menu
not offered to the persona answers 200 or 404, never 403 or 500 (core.navigation, core.testing.offered)."""

import pytest

from core.navigation import STAGES
from core.testing import PERSONAS, client_for, navigation_urls, offered, router_list_urls, user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", PERSONAS)
def test_every_persona_walks_its_navigation_and_the_api(username):
    account = user(username)
    client = client_for(account)
    problems = []

    def get(url: str, expected: set, also: str = ""):
        response = client.get(url)
        if response.status_code not in expected:
            problems.append(f"{url}: {response.status_code}, expected {sorted(expected)}{also}")
        return response

    get("/", {200})
    get("/todo/", {200})
    stages = dict(offered(account))
    assert stages, f"{username} is offered no stage"
    for stage in STAGES:
        page = get(f"/stage/{stage.key}/", {200} if stage.key in stages else {404}, " (stage)")
        for url in stages.get(stage.key, ()):
            if page.status_code == 200 and f'href="{url}"' not in page.content.decode():
                problems.append(f"/stage/{stage.key}/ does not show its link {url}")
    links = {url for urls in stages.values() for url in urls}
    for url in sorted(links):
        get(url, {200}, " (offered link)")
    for url in navigation_urls():
        if url not in links:
            get(url, {200, 404}, " (menu page not offered)")
    for url in router_list_urls():
        get(url, {200, 403, 404}, " (API list)")
    assert not problems, f"{username}:\n  " + "\n  ".join(problems)
