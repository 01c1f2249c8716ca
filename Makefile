# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DEBUG ?= 1

.PHONY: run test setup load admin lint e2e clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

load: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_course
	$(BIN)/python manage.py load_quizzes
	$(BIN)/python manage.py render_content


run: load
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

admin: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createsuperuser

test: setup
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
