# Two commands on a fresh machine: `make run` and `make test` (see README.md).
# `make run` serves with gunicorn and DEBUG off; `make dev` with Django's auto-reloading server.
# python3, version 3.11 or newer (pyproject.toml's requires-python); `make PYTHON=python3.12 …` picks another.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The Nu HTML Checker, for the test that validates every page (needs npm and Java).
VNU_VERSION := 26.9.27
VNU_JAR := $(VENV)/vnu/vnu.jar

.PHONY: run dev test setup migrate load admin demo-accounts lint messages bench bench-search bench-review bench-stats bench-gift bench-revisions bench-gradebook scale-test code-css clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "$(PYTHON) is older than 3.11: install a newer one, or run make PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

$(VNU_JAR):
	@if command -v npm >/dev/null && command -v java >/dev/null; then \
	  npm install --silent --no-audit --no-fund --prefix $(VENV)/vnu vnu-jar@$(VNU_VERSION) && \
	  cp $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar $(VNU_JAR); \
	else echo "npm or java is missing: the HTML validation test will be skipped"; fi

# Migrations are their own step (a Kubernetes Job in production), never part of a replica's start.
migrate: setup
	$(BIN)/python manage.py migrate --noinput

load: migrate
	$(BIN)/python manage.py load_course
	$(BIN)/python manage.py load_quizzes
	$(BIN)/python manage.py render_content


run: load
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	PORT=$(PORT) exec $(BIN)/gunicorn -c config/gunicorn.py

dev: load
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

admin: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createsuperuser

# For trying the site: an editor and a learner with new random passwords, printed once (again on each run).
# Only on demand: `make run` never creates accounts.
demo-accounts: migrate
	$(BIN)/python manage.py demo_accounts

test: setup $(VNU_JAR)
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

bench: load
	$(BIN)/python scripts/bench.py

# Search over 100 generated lectures on a scratch database (DATABASE_URL for PostgreSQL).
bench-search: setup
	$(BIN)/python scripts/search_bench.py

# The review due list for one learner with 10,000 cards (DATABASE_URL for PostgreSQL).
bench-review: setup
	$(BIN)/python scripts/review_bench.py

# The per-quiz statistics page (item analysis) with 10,000 first attempts (DATABASE_URL for PostgreSQL).
bench-stats: setup
	$(BIN)/python scripts/stats_bench.py

# Importing a GIFT file of 1,000 questions with 4 choices each (DATABASE_URL for PostgreSQL).
bench-gift: setup
	$(BIN)/python scripts/gift_bench.py

# Saving a section through the admin, with and without revisions (DATABASE_URL for PostgreSQL).
bench-revisions: setup
	$(BIN)/python scripts/bench_revisions.py

# A class of 500 learners × 20 quizzes: the gradebook, its XLSX, and reminders for 5,000 (DATABASE_URL for PostgreSQL).
bench-gradebook: setup
	$(BIN)/python scripts/gradebook_bench.py

# Three replicas behind nginx with real PostgreSQL and Redis, under load, through faults.
scale-test: setup $(VNU_JAR)
	$(BIN)/python scripts/scale_test.py

# Syntax colours for code blocks, from accessible Pygments styles.
code-css: setup
	$(BIN)/python scripts/code_css.py

# After changing interface text: bring locale/en up to date, translate what is new (empty msgstr),
# then run it again to compile. The compiled .mo files are committed; `make run` needs no gettext.
messages: setup
	$(BIN)/python manage.py makemessages --locale en --add-location file --no-obsolete
	$(BIN)/python manage.py makemessages --locale en --add-location file --no-obsolete --domain djangojs
	$(BIN)/python manage.py compilemessages --locale en --ignore '$(VENV)'

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles var .pytest_cache
