# Jixiao: two commands for a newcomer (README 快速开始).
#   make run   install, migrate the embedded SQLite database, load the demo city, serve on :8000
#   make test  install test tools (and Debian's chromium when missing), run every test
# DATABASE_URL=postgres://user@host:5432/db switches any target to PostgreSQL.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SCALE  ?= small
PYTEST_ARGS ?=
# pytest-xdist workers (one per core; browser tests start one server per worker).
TEST_WORKERS ?= auto

.PHONY: faketime run test fuzz install install-test migrate demo serve worker lint otp bench clean browser-deps guide-images

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.base: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.test: requirements/test.txt $(VENV)/.base
	$(BIN)/pip install --quiet -r requirements/test.txt
	@touch $@

install: $(VENV)/.base
install-test: $(VENV)/.test

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py seed_demo --scale $(SCALE)

run: demo
	@echo ""
	@echo "绩效 Jixiao 已启动：http://$(HOST):$(PORT)/   （Ctrl+C 停止）"
	@echo "API 文档：http://$(HOST):$(PORT)/api/docs/"
	@echo "演示数据按业务日期 $$($(BIN)/python -c 'from core.clock import DEMO_TODAY; print(DEMO_TODAY)') 制作，本次运行的业务日期固定为该日（JIXIAO_BUSINESS_DATE=demo）"
	@$(BIN)/python manage.py reap_jobs --verbosity 0 || true
	@JIXIAO_BUSINESS_DATE=$${JIXIAO_BUSINESS_DATE:-demo} JIXIAO_SECURE_COOKIES=0 $(BIN)/python manage.py db_worker --interval 1 >var/worker.log 2>&1 & \
	  WORKER=$$!; trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
	  JIXIAO_BUSINESS_DATE=$${JIXIAO_BUSINESS_DATE:-demo} JIXIAO_SECURE_COOKIES=0 JIXIAO_DEBUG=$${JIXIAO_DEBUG:-0} $(BIN)/python manage.py runserver --insecure $(HOST):$(PORT)

# The background worker alone (make run starts one): jobs a killed worker left running are failed first
# (imports/liveness.py).
worker: migrate
	$(BIN)/python manage.py reap_jobs
	JIXIAO_BUSINESS_DATE=$${JIXIAO_BUSINESS_DATE:-demo} $(BIN)/python manage.py db_worker --interval 1

browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "安装浏览器测试所需的 chromium 和 fonts-noto-cjk …"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "浏览器测试需要 Debian 的 chromium 和 fonts-noto-cjk：请以 root 运行 make test，"; \
	    echo "或先执行 sudo apt-get install chromium fonts-noto-cjk"; exit 1; \
	  fi; \
	fi
	@# LibreOffice and poppler render the target sheet's Word and Excel outputs (tests/browser/test_form_render.py);
	@# without root the render test skips and says why.
	@if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "安装渲染申报表所需的 LibreOffice 和 poppler-utils …"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils >/dev/null; \
	  else \
	    echo "提示：未安装 LibreOffice 或 poppler-utils，申报表渲染测试将跳过（sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils）"; \
	  fi; \
	fi

# Debian's faketime, for CI's runs of the suite under a fake wall clock (.ci/run).
faketime:
	@command -v faketime >/dev/null || { [ "$$(id -u)" = "0" ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; } || \
	  { echo "需要 Debian 的 faketime：sudo apt-get install faketime"; exit 1; }

test: install-test browser-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The bounded schemathesis run over the whole API, as perf and edu_preparer: 0 server errors (marker `fuzz`, left out
# of `make test`; core/tests/test_api_fuzz.py). JIXIAO_FUZZ_EXAMPLES=50 make fuzz goes deeper.
fuzz: install-test
	$(BIN)/python -m pytest -q -p no:cacheprovider -m fuzz -n 2 core/tests/test_api_fuzz.py $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

# The user guides' screenshots (docs/user-guide/img/) from the browser tests' last run: make test first.
guide-images: install
	$(BIN)/python scripts/guide_images.py

ACCOUNT ?= sysadmin
otp: install
	@$(BIN)/python manage.py demo_otp $(ACCOUNT)

bench: install-test
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/var/bench.sqlite3} $(BIN)/python bench/list_pages.py --seed
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/var/bench.sqlite3} $(BIN)/python bench/import_orgs.py
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/var/bench.sqlite3} $(BIN)/python bench/import_payments.py --migrate
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/var/bench.sqlite3} $(BIN)/python bench/monitoring_refresh.py
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/var/bench.sqlite3} $(BIN)/python bench/recommend.py

clean:
	rm -rf $(VENV) var/jixiao.sqlite3* var/test-artifacts
