# The two commands: `make demo` and `make test`. Both set up .venv when it is missing or stale.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SYSDEPS := $(VENV)/.sysdeps
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test test-fast bench lint serve clean-var

# System packages a fresh Debian machine lacks: a CJK font for the briefings' charts and PDF
# (Pango, which WeasyPrint needs, ships with the base image), chromium for the UI and page tests,
# dovecot-imapd for the mailbox tests (started by the tests with their own config), and
# LibreOffice Writer with poppler-utils for the tests that open the briefing's .docx.
# Elsewhere: see the README.
$(SYSDEPS):
	@if ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "安装中文字体 fonts-wqy-microhei（简报图表和 PDF 需要）"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "警告：未找到中文字体，简报无法生成图表和 PDF。请安装 fonts-wqy-microhei 或 Noto Sans CJK。"; \
	  fi; \
	fi
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "安装 chromium（Prefect 界面测试用无头浏览器）"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "警告：未找到 chromium，Prefect 界面测试无法运行。请安装 Debian 的 chromium 软件包。"; \
	  fi; \
	fi
	@if ! command -v dovecot >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "安装 dovecot-imapd（邮箱收件测试用的 IMAP 服务器，测试自行启动，不作为系统服务运行）"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	  else \
	    echo "警告：未找到 dovecot，邮箱收件测试将跳过。请安装 Debian 的 dovecot-imapd 软件包。"; \
	  fi; \
	fi
	@if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "安装 libreoffice-writer-nogui 和 poppler-utils（测试用 LibreOffice 打开简报 Word 稿并核对页数）"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui poppler-utils >/dev/null; \
	  else \
	    echo "警告：未找到 soffice 或 pdftoppm，简报 Word 稿的版式测试将跳过。请安装 libreoffice-writer-nogui 和 poppler-utils。"; \
	  fi; \
	fi
	@mkdir -p $(VENV) && touch $@

$(STAMP): pyproject.toml $(SYSDEPS)
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11 ($(PY) 未找到)"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/duban demo

# on every core, up to 4 (pytest-xdist): each worker has its own Prefect harness, ports and stores
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxprocesses=4

# pure logic only (working days, ladder, state, cells, rules, indicators, campaign files): seconds
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m unit

bench: $(STAMP)
	$(BIN)/python -m pytest bench -q --benchmark-disable-gc -p no:cacheprovider

# A local Prefect server (its database under var/prefect/), the work pool, every deployment
# of prefect.yaml, the units' pages (duban portal, port 8400) and one worker in the foreground.
# Ctrl-C stops the worker first (Prefect's worker lets running flow runs finish on the first Ctrl-C
# and stops at the second), then the pages, then the server: both run in sessions of their own, so
# the terminal's Ctrl-C never stops them under a running worker. Prefect's basic auth comes from .env
# (PREFECT_SERVER_API_AUTH_STRING=user:password) when it is set there.
serve: $(STAMP)
	@mkdir -p var/prefect
	@set -a; [ -f .env ] && . ./.env; set +a; \
	  export PREFECT_API_AUTH_STRING="$${PREFECT_API_AUTH_STRING:-$$PREFECT_SERVER_API_AUTH_STRING}"; \
	  PREFECT_HOME=$(CURDIR)/var/prefect setsid $(BIN)/prefect server start --host 127.0.0.1 --port 4200 > var/prefect/server.log 2>&1 & \
	  echo $$! > var/prefect/server.pid
	@set -a; [ -f .env ] && . ./.env; set +a; auth="$${PREFECT_API_AUTH_STRING:-$$PREFECT_SERVER_API_AUTH_STRING}"; \
	  for i in $$(seq 1 120); do curl -sf $${auth:+-u "$$auth"} http://127.0.0.1:4200/api/health >/dev/null && break; sleep 1; done
	@set -a; [ -f .env ] && . ./.env; set +a; \
	  export PREFECT_API_AUTH_STRING="$${PREFECT_API_AUTH_STRING:-$$PREFECT_SERVER_API_AUTH_STRING}"; \
	  export PREFECT_API_URL=http://127.0.0.1:4200/api DUBAN_ROOT=$(CURDIR); \
	  $(BIN)/prefect work-pool inspect duban >/dev/null 2>&1 || $(BIN)/prefect work-pool create duban --type process; \
	  $(BIN)/prefect --no-prompt deploy --all && \
	  $(BIN)/duban schedule && \
	  { setsid $(BIN)/duban portal --host 127.0.0.1 --port 8400 > var/portal.log 2>&1 & echo $$! > var/portal.pid; } && \
	  echo "Prefect 界面：http://127.0.0.1:4200 · 单位页面：http://127.0.0.1:8400 —— 工作进程启动中（Ctrl-C 结束）" && \
	  trap 'true' INT TERM; $(BIN)/prefect worker start --pool duban; \
	  echo "工作进程已停止；正在关闭单位页面和 Prefect 服务器"; \
	  kill $$(cat var/portal.pid) 2>/dev/null; kill $$(cat var/prefect/server.pid) 2>/dev/null || true

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

clean-var:
	rm -rf var
