# Every entry point of the project. `make help` lists the targets.
PYTHON_SYSTEM ?= python3
VENV ?= .venv
PY = $(VENV)/bin/python
PELICAN = $(VENV)/bin/pelican
PELICANOPTS ?=

BASEDIR = $(CURDIR)
INPUTDIR = $(BASEDIR)/content
OUTPUTDIR = $(BASEDIR)/output
CONFFILE = $(BASEDIR)/pelicanconf.py
PUBLISHCONF = $(BASEDIR)/publishconf.py

# The CloudFormation stack of deploy/template.yaml; `make deploy` reads bucket, distribution and settings from it.
DEPLOY_STACK ?= clinic-site

HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist: one worker per CPU, each taking the next test when free (the slow ones are uneven)
PYTEST_ARGS ?= -n auto --dist worksteal
BENCH_ARGS ?=

# Debian packages the tests and benchmarks need; installed only when missing.
CHROMIUM = /usr/bin/chromium
APT_INSTALL = DEBIAN_FRONTEND=noninteractive apt-get install -y -qq

.DEFAULT_GOAL := help
.PHONY: help venv lock system-deps node_modules vendor-altcha html publish serve devserver run notify test check \
	lint-python bench audit \
	lint-content lint-content-publish docs-settings \
	lint-deploy checkov deploy deploy-upload deploy-dry-run build-FormsFunction build-NotifyFunction clean

help: ## list every target with what it does
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /	/' | expand -t 16

# Every package is checked against the lock's sha256 (--require-hashes): the build tools first, then everything else,
# built with those tools rather than with build dependencies pip would otherwise fetch unchecked.
PIP_INSTALL = $(PY) -m pip install -q --disable-pip-version-check --require-hashes
$(VENV)/.installed: requirements.txt requirements-build.txt pyproject.toml
	test -x $(PY) || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(PIP_INSTALL) --no-deps -r requirements-build.txt
	$(PIP_INSTALL) --no-build-isolation -r requirements.txt
	touch $@

venv: $(VENV)/.installed ## create .venv with the locked Python packages, each checked against its hash (fast when done)

# pip-tools (in a throwaway venv) resolves pyproject.toml's lists and records the sha256 of every file the index has
# for each pinned version (all platforms), so the same locks install here, in CI and for Lambda (arm64).
PIP_TOOLS = pip-tools==7.6.0
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(VENV).lock/bin/pip-compile -q --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links
lock: ## re-pin the three lock files (every package, with hashes) after editing pyproject.toml's lists
	rm -rf $(VENV).lock && $(PYTHON_SYSTEM) -m venv $(VENV).lock
	$(VENV).lock/bin/pip install -q --disable-pip-version-check $(PIP_TOOLS)
	$(PIP_COMPILE) --extra site --extra local --extra dev -o requirements.txt pyproject.toml
	$(PIP_COMPILE) --only-build-deps --build-deps-for wheel -o requirements-build.txt pyproject.toml
	$(PIP_COMPILE) -c requirements.txt -o requirements-lambda.txt pyproject.toml
	rm -rf $(VENV).lock build *.egg-info

system-deps: ## apt-install Chromium, Java, Node.js and SpamAssassin when missing (tests need them)
	@missing=""; test -x $(CHROMIUM) || missing="chromium"; command -v java >/dev/null || missing="$$missing default-jre-headless"; \
		command -v npm >/dev/null || missing="$$missing nodejs npm"; \
		command -v spamassassin >/dev/null || missing="$$missing spamassassin"; \
		test -z "$$missing" || (apt-get update -qq && $(APT_INSTALL) $$missing)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error && touch $@

node_modules: node_modules/.installed ## install the locked npm packages (Lighthouse) into node_modules/ (fast when done)

# The ALTCHA widget (the forms' spam check, clinic.toml's [forms] captcha) is vendored into the theme, so the site builds
# without Node: the build for a strict CSP (no inline styles or workers), its stylesheet, the PBKDF2 worker and the
# license, copied from the npm package package-lock.json pins. tests/site/test_captcha_site.py checks the copy.
ALTCHA = node_modules/altcha
ALTCHA_FILES = $(ALTCHA)/dist/external/altcha.min.js $(ALTCHA)/dist/external/altcha.css $(ALTCHA)/dist/workers/pbkdf2.js \
	$(ALTCHA)/LICENSE.txt
vendor-altcha: node_modules ## after changing altcha's version in package.json: copy its widget into theme/static/vendor/
	mkdir -p theme/static/vendor/altcha && cp $(ALTCHA_FILES) theme/static/vendor/altcha/

html: venv ## build the site into output/ with pelicanconf.py
	$(PELICAN) $(INPUTDIR) -o $(OUTPUTDIR) -s $(CONFFILE) $(PELICANOPTS)

publish: venv ## build the production site into output/ with publishconf.py
	$(PELICAN) $(INPUTDIR) -o $(OUTPUTDIR) -s $(PUBLISHCONF) $(PELICANOPTS)

# The local server (forms_lambda/local.py) serves the folder the site is built into.
GUNICORN = FORMS_SITE_DIR=$(OUTPUTDIR) $(VENV)/bin/gunicorn --bind $(HOST):$(PORT) --workers 2 \
	--config python:forms_lambda.gunicorn_conf \
	'forms_lambda.local:create_local_app()'

serve: venv ## serve output/ (gzip and brotli, as CloudFront does) and the form service on http://$(HOST):$(PORT)
	$(PY) -m whitenoise.compress --quiet $(OUTPUTDIR)
	$(GUNICORN)

# The preview serves pages uncompressed: a .gz or .br left from `make serve` would be stale after an edit.
# LIVE_RELOAD: each page reloads itself when a build finishes (plugins/live_reload.py); no other build has it.
devserver: venv ## rebuild on every change to content/ or theme/, serve site + forms; the browser reloads itself
	find $(OUTPUTDIR) \( -name '*.gz' -o -name '*.br' \) -delete 2>/dev/null || true
	LIVE_RELOAD=1 $(PELICAN) $(INPUTDIR) -o $(OUTPUTDIR) -s $(CONFFILE) $(PELICANOPTS) --autoreload & \
		trap 'kill $$!' EXIT; $(GUNICORN)

run: html ## set up, build the site and serve site + forms on http://$(HOST):$(PORT)
	$(PY) -m forms_lambda init
	$(MAKE) serve

notify: venv ## email each article new in output/ once to confirmed subscribers (after a publish)
	$(PY) -m forms_lambda notify --site $(OUTPUTDIR)

lint-python: venv ## ruff (configured in pyproject.toml): lint, and check that every file is formatted
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: lint-python ## the quick loop, under a minute: ruff, then the tests that need no browser, server process or site build
	$(PY) -m pytest -n auto -q -m "not e2e and not slow"

test: venv system-deps node_modules lint-python ## set up everything and run ruff, the whole test suite, then the Lighthouse audit
	$(PY) -m pytest $(PYTEST_ARGS)
	$(MAKE) audit

audit: venv system-deps node_modules ## Lighthouse (mobile) on home, articles, contact, /thanks/urgent/, the spam check; fail below 100
	$(PY) -m tests.e2e.lighthouse

bench: venv ## run the benchmarks (apt-installs Hugo and wrk when missing); print ratios against peers
	@command -v hugo >/dev/null && command -v wrk >/dev/null || (apt-get update -qq && $(APT_INSTALL) hugo wrk)
	$(PY) -m bench $(BENCH_ARGS)

# The tables list every field of forms_lambda/config.py's Settings; tests/forms/test_docs.py fails when one is stale.
docs-settings: venv ## after adding or changing a setting in forms_lambda/config.py: rewrite the settings tables of the docs
	$(PY) -m forms_lambda.settings_table README.md docs/configuration.md

lint-content: venv ## check every article and page: metadata, dates, slugs, images, links, reviews (file:line)
	$(PY) -m deploy.lint_content $(INPUTDIR)

lint-content-publish: venv ## lint-content as publishing runs it: a medical review past its age is an error too
	$(PY) -m deploy.lint_content --publish $(INPUTDIR)

lint-deploy: venv ## lint the SAM template (cfn-lint) and the GitHub Actions workflows (actionlint, zizmor's audit)
	$(VENV)/bin/cfn-lint deploy/template.yaml
	$(VENV)/bin/actionlint
	$(VENV)/bin/zizmor --offline --persona pedantic --quiet .github/workflows

# checkov's many dependencies clash with the lock, so it gets a venv of its own and is not part of `make test`;
# .checkov.yaml lists the accepted findings, docs/checkov.md says why each is accepted (or how it was fixed).
CHECKOV = checkov==3.3.30
checkov: ## audit the SAM template and the workflows with checkov (own venv .venv-checkov; see docs/checkov.md)
	test -x .venv-checkov/bin/checkov || ($(PYTHON_SYSTEM) -m venv .venv-checkov && \
		.venv-checkov/bin/pip install -q --disable-pip-version-check $(CHECKOV))
	.venv-checkov/bin/checkov --config-file .checkov.yaml

# A fresh output/ for every deploy (files left by a local `make html` must never be uploaded), built for the
# stack's public address (publishconf.py reads SITE_URL).
DEPLOY_BUILD = rm -rf $(OUTPUTDIR) && url=$$($(PY) -m deploy.stack outputs --stack $(DEPLOY_STACK) --key SiteUrl) && \
	SITE_URL=$$url $(MAKE) publish

deploy: lint-content-publish ## build for production, publish output/ to S3 + CloudFront (changes only), mail new articles
	$(DEPLOY_BUILD)
	$(MAKE) deploy-upload

# What the Publish workflow's deploy job runs on the site its build job made (that job has no AWS credentials).
# The newsletter runs in the stack's NotifyFunction; this only asks it to.
deploy-upload: venv ## publish the built output/ (changes only), then have the stack's notify function mail new articles
	$(PY) -m deploy.publish --stack $(DEPLOY_STACK) $(OUTPUTDIR)
	$(PY) -m deploy.stack notify --stack $(DEPLOY_STACK)

deploy-dry-run: lint-content-publish ## build for production and print what deploy would upload, delete and invalidate
	$(DEPLOY_BUILD)
	$(PY) -m deploy.publish --stack $(DEPLOY_STACK) --dry-run $(OUTPUTDIR)

# `sam build` runs this in the repository (template: CodeUri .., BuildMethod makefile) with ARTIFACTS_DIR set.
# The package holds pyproject.toml's runtime dependencies (requirements-lambda.txt, hash-checked wheels for
# Python 3.12 on arm64), forms_lambda and clinic.toml (the clinic's facts, which the site shows too).
# Lambda cannot write next to the code (/var/task is read-only): a module without bytecode for the runtime's own
# Python is compiled from source at every cold start (1.5-1.9 s instead of 0.5 s, bench/README.md). pip would
# compile with the Python running it, so the runtime's Python compiles the whole package, and its bytecode is
# trusted as is (unchecked-hash: zip files keep no exact modification times).
LAMBDA_PYTHON ?= python3.12
LAMBDA_CODE = forms_lambda clinic.toml
LAMBDA_PACKAGE = $(PYTHON_SYSTEM) -m pip install -q --disable-pip-version-check --require-hashes --no-deps --no-compile \
		--target $(ARTIFACTS_DIR) --implementation cp --python-version 3.12 --platform manylinux2014_aarch64 \
		--only-binary=:all: -r requirements-lambda.txt && cp -R $(LAMBDA_CODE) $(ARTIFACTS_DIR)/ \
		&& $(LAMBDA_PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash $(ARTIFACTS_DIR)
build-FormsFunction: ## package forms_lambda and its locked runtime packages for Lambda (Python 3.12, arm64)
	$(LAMBDA_PACKAGE)

build-NotifyFunction: ## the same package for the newsletter's function (sam build runs one target per function)
	$(LAMBDA_PACKAGE)

clean: ## remove generated files (output/, caches); keeps .venv and var/
	rm -rf $(OUTPUTDIR) cache .pytest_cache .hypothesis test-artifacts bench/.work
