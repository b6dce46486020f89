# Two commands on a fresh machine:  `make lab` (set up + open the notebooks)  and  `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
SHARED  ?= ../shared/data
export KERAS_HOME ?= $(CURDIR)/.keras
# Course machines and CI keep local copies of the data beside the checkout; use them when present.
ifneq ($(wildcard $(SHARED)),)
export TRANSFERKIT_DATA ?= $(abspath $(SHARED))
endif

.PHONY: setup lab notebooks test benchmarks offline-weights clean-outputs colab-setup test-colab colab-url

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Copies locally provided ImageNet weights (if any) into Keras' cache, where
# keras.applications looks before it downloads.
offline-weights:
	@mkdir -p $(KERAS_HOME)/models
	@if [ -d $(SHARED)/weights ]; then cp -n $(SHARED)/weights/*.h5 $(SHARED)/weights/*.json $(KERAS_HOME)/models/ 2>/dev/null; \
	  echo "ImageNet weights from $(SHARED)/weights are in $(KERAS_HOME)/models"; fi

# Jupyter refuses to run as root unless told; containers (Docker, CI images) often are root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup offline-weights
	$(VENV)/bin/jupyter lab $(LAB_ARGS) notebooks/

# Executes every notebook headless (full settings unless TRANSFERKIT_QUICK=1); results in build/notebooks.
notebooks: setup offline-weights
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=-1 \
	  --output-dir build/notebooks $$(find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)

test: setup offline-weights
	TRANSFERKIT_QUICK=1 $(VENV)/bin/pytest tests notebooks --nbval-lax -p no:cacheprovider

benchmarks: setup offline-weights
	for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

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

test-colab: colab-setup offline-weights
	$(COLAB_PY) -m pip uninstall --quiet --yes transferkit 2>/dev/null || true
	$(COLAB_PY) -m pip install --quiet "transferkit[cpu] @ git+file://$(CURDIR)"
	TRANSFERKIT_QUICK=1 TRANSFERKIT_COLAB_CONSTRAINTS=colab-constraints.txt \
	  $(COLAB_VENV)/bin/pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider

# The repository the notebooks install from and their Colab badges (tools/colab.py):
# `make colab-url URL=https://github.com/<you>/transferkit [BRANCH=main]`, or `make colab-url` to
# rewrite every notebook's setup cell and badge and the README's badges from pyproject.toml.
colab-url:
	python3 tools/colab.py $(if $(URL),--url "$(URL)") $(if $(BRANCH),--branch "$(BRANCH)")
