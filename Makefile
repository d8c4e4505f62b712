# Two commands set everything up on a fresh Debian/Ubuntu machine:
#   make run    create .venv, install Venvdesk, start it
#   make test   the same set-up, then the whole test suite offscreen
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint bench stress screenshots system-libraries clean bundle bundle-test

$(STAMP): pyproject.toml tools/qt_system_libraries.sh
	@bash tools/qt_system_libraries.sh $(PYTHON)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,uv]'
	@touch $(STAMP)

system-libraries:
	@bash tools/qt_system_libraries.sh $(PYTHON)

run: $(STAMP)
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY$$QT_QPA_PLATFORM" ] && [ "$$(uname)" = Linux ]; then \
		echo "No display here, so Venvdesk cannot open its window."; \
		echo "To run it headless:  QT_QPA_PLATFORM=offscreen $(BIN)/venvdesk"; \
		echo "To see it on a virtual screen:  xvfb-run $(BIN)/venvdesk"; \
		echo "To look at it without a screen:  make screenshots  (PNG files in docs/screenshots/)"; \
	else \
		$(BIN)/python -m gui; \
	fi

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; QT_QPA_PLATFORM=offscreen $(BIN)/python $$script || exit 1; echo; done

# The app killed (and cancelled) at random moments of real changes; not part of make test or make bench.
# STRESS_ARGS="--tries 3" for a short run.
stress: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/stress_reliability.py $(STRESS_ARGS)

# Light at 100% (every state, shown in the README), then dark and 200% of the main states.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py docs/screenshots
	QT_QPA_PLATFORM=offscreen VENVDESK_COLOR_SCHEME=dark VENVDESK_SHOTS=02,03,07,10 $(BIN)/python tools/screenshots.py docs/screenshots/dark
	QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=2 VENVDESK_SHOTS=03,10 $(BIN)/python tools/screenshots.py docs/screenshots/light-200
	QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=2 VENVDESK_COLOR_SCHEME=dark VENVDESK_SHOTS=03,10 $(BIN)/python tools/screenshots.py docs/screenshots/dark-200

# The one-folder app in dist/venvdesk/ (+ the Linux tarball); see installer/README.md.
BUNDLE_PROGRAM := dist/venvdesk/venvdesk
BUNDLE_INPUTS := pyproject.toml $(wildcard installer/*.py installer/*.spec installer/*.sh installer/linux/*) \
	$(shell find core gui resources venvdesk_testing -type f -not -path '*/__pycache__/*' 2>/dev/null)

bundle: $(STAMP)
	$(BIN)/python installer/build.py

$(BUNDLE_PROGRAM): $(STAMP) $(BUNDLE_INPUTS)
	$(BIN)/python installer/build.py

# Builds first when a source changed since the last bundle; then the bundled app checks
# itself offline: creates an environment and installs a package (gui/self_test.py).
bundle-test: $(BUNDLE_PROGRAM)
	QT_QPA_PLATFORM=offscreen $(BUNDLE_PROGRAM) --self-test

clean:
	rm -rf $(VENV) build *.egg-info screenshots
