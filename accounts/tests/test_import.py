"""Import and export of the user list: accounts only, never roles (三员分立), initial passwords under
the password policy, never a password hash in an export."""

import pytest

from accounts.importers import UserImporter
from accounts.models import User, UserSession
from audit.models import AuditAction, AuditEntry
from imports.models import ImportJob, ImportStatus
from imports.testing import read_xlsx, upload, xlsx_bytes
from organisations.models import Organisation

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in UserImporter.columns]
GOOD_PASSWORD = "Kq7#mWz2026"


def user_row(username, name, org, **extra):
    row = {
        "用户名": username,
        "姓名": name,
        "所属机构预算编码": org.budget_code,
        "所属机构名称": org.name,
        "初始密码": GOOD_PASSWORD,
    }
    row.update(extra)
    return row


def post_import(client, content):
    response = client.post("/accounts/users/import/", {"file": upload(content, "用户.xlsx")})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


@pytest.fixture
def admin(client_as, immediate_tasks):
    return client_as("sysadmin")


@pytest.fixture
def school():
    return Organisation.objects.get(name="示范市第一中学")


def test_new_accounts_get_a_policy_checked_initial_password_and_no_role(admin, school, media_root):
    rows = [
        user_row("zhangsan", "张三", school, 手机号码="13800000000"),
        user_row("lisi", "李四", school, 所属机构预算编码="", 邮箱="lisi@example.com"),
    ]
    job = post_import(admin, xlsx_bytes(HEADERS, rows, sheet="用户"))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert job.summary["created"] == 2
    zhang = User.objects.get(username="zhangsan")
    assert zhang.organisation == school and zhang.phone == "13800000000" and zhang.is_active
    assert zhang.check_password(GOOD_PASSWORD) and zhang.must_change_password  # set by an administrator
    assert not zhang.roles.exists()
    for action in (AuditAction.CREATE, AuditAction.PASSWORD_CHANGE):
        assert AuditEntry.objects.filter(action=action, object_type="accounts.user", object_id=str(zhang.pk)).exists()
    # The file held initial passwords: it is deleted once the job ends.
    job.refresh_from_db()
    assert not job.file and not any(p.is_file() for p in media_root.rglob("*"))


def test_a_weak_password_rejects_the_whole_file(admin, school):
    before = User.objects.count()
    rows = [user_row("zhangsan", "张三", school), user_row("lisi", "李四", school, 初始密码="123456")]
    job = post_import(admin, xlsx_bytes(HEADERS, rows, sheet="用户"))
    assert job.status == ImportStatus.FAILED
    assert [e["text"] for e in job.errors] == [
        "第 3 行 I 列（初始密码）：密码长度至少 8 位",
        "第 3 行 I 列（初始密码）：密码须包含大写字母、小写字母、数字、符号中的至少 3 类",
    ]
    assert User.objects.count() == before


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"角色": "单位填报人（示范市第一中学）"}, "第 2 行 H 列（角色）：角色由安全管理员授予（三员分立）"),
        ({"初始密码": ""}, "第 2 行 I 列（初始密码）：新用户须填写初始密码"),
        (
            {"所属机构预算编码": "", "所属机构名称": ""},
            "第 2 行 C 列（所属机构预算编码）：新用户须填写所属机构预算编码或所属机构名称",
        ),
        (
            {"所属机构预算编码": "101", "所属机构名称": ""},
            "第 2 行 C 列（所属机构预算编码）：所属机构预算编码“101”对应",
        ),
        ({"用户名": "zhang san"}, "第 2 行 A 列（用户名）："),
        ({"邮箱": "not-an-email"}, "第 2 行 F 列（邮箱）："),
        ({"初始密码": "zhangsan@2026X"}, "第 2 行 I 列（初始密码）：密码不能包含用户名"),
    ],
)
def test_rows_that_are_refused(admin, school, extra, expected):
    job = post_import(admin, xlsx_bytes(HEADERS, [user_row("zhangsan", "张三", school, **extra)], sheet="用户"))
    assert job.status == ImportStatus.FAILED
    assert job.errors[0]["text"].startswith(expected), job.errors
    assert not User.objects.filter(username__in=["zhangsan", "zhang san"]).exists()


def test_export_has_no_password_hash_and_reimports_as_a_no_op(admin):
    response = admin.get("/accounts/users/export/")
    sheets = read_xlsx(response.content)
    rows = sheets["用户"]
    assert rows[0] == HEADERS
    cells = [str(v) for row in rows for v in row]
    assert not any(v.startswith(("argon2", "pbkdf2", "!")) or "$" in v for v in cells)
    assert all(row[HEADERS.index("初始密码")] == "" for row in rows[1:])
    preparer = next(r for r in rows if r[0] == "edu_preparer")
    assert preparer[HEADERS.index("角色")] == "单位填报人（示范市第一中学）"
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_repr__startswith="导出用户清单").exists()

    before = AuditEntry.objects.filter(action__in=[AuditAction.CREATE, AuditAction.UPDATE]).count()
    job = post_import(admin, response.content)
    assert job.status == ImportStatus.SUCCEEDED, job.errors[:3]
    assert job.summary["unchanged"] == job.summary["total"] == len(rows) - 1
    assert AuditEntry.objects.filter(action__in=[AuditAction.CREATE, AuditAction.UPDATE]).count() == before


def test_updates_disable_and_reset_through_the_account_actions(admin, persona):
    preparer = persona("edu_preparer")
    UserSession.objects.create(user=preparer, session_key="k" * 32)
    rows = [
        {"用户名": "edu_preparer", "姓名": "冯填报", "手机号码": "13900000000", "启用": "否"},
        {"用户名": "edu_head", "姓名": "郑校长", "初始密码": GOOD_PASSWORD},
    ]
    job = post_import(admin, xlsx_bytes(HEADERS, rows, sheet="用户"))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert job.summary == {"total": 2, "created": 0, "updated": 2, "unchanged": 0}
    preparer.refresh_from_db()
    assert preparer.phone == "13900000000" and not preparer.is_active
    assert not UserSession.objects.filter(user=preparer).exists()  # disabling ends its sessions
    head = persona("edu_head")
    assert head.check_password(GOOD_PASSWORD) and head.must_change_password


def test_the_administrator_cannot_change_their_own_account_by_import(admin):
    job = post_import(admin, xlsx_bytes(HEADERS, [{"用户名": "sysadmin", "姓名": "改名"}], sheet="用户"))
    assert [e["text"] for e in job.errors] == ["第 2 行 A 列（用户名）：不能通过导入修改自己的账号，请在个人设置中修改"]


@pytest.mark.parametrize("username", ["secadmin", "auditadmin", "perf", "edu_reviewer"])
def test_only_the_system_administrator_imports_and_exports_users(client_as, immediate_tasks, username):
    client = client_as(username)
    for url in ["/accounts/users/import/", "/accounts/users/import/template/", "/accounts/users/export/"]:
        assert client.get(url).status_code == 404, url
    content = xlsx_bytes(HEADERS, [{"用户名": "x", "姓名": "x"}], sheet="用户")
    assert client.post("/accounts/users/import/", {"file": upload(content)}).status_code == 404
    assert client.post("/api/imports/", {"kind": "users", "file": upload(content)}).status_code == 404
    assert not ImportJob.objects.exists()


def test_user_list_offers_the_import_buttons(client_as):
    page = client_as("sysadmin").get("/accounts/users/").content.decode()
    for url in ["/accounts/users/import/", "/accounts/users/export/", "/accounts/users/import/template/"]:
        assert url in page
    assert "/accounts/users/import/" not in client_as("secadmin").get("/accounts/users/").content.decode()
