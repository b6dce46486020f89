# Two commands on a fresh machine:  `make lab` (set up + open the notebooks)  and  `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
SHARED  ?= ../shared/data
export KERAS_HOME ?= $(CURDIR)/.keras
# Course machines and CI keep local copies of the data beside the checkout; use them when present.
ifneq ($(wildcard $(SHARED)),)
export TRANSFERKIT_DATA ?= $(abspath $(SHARED))
endif

.PHONY: setup lab notebooks test benchmarks offline-weights clean-outputs

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
	  --output-dir build/notebooks notebooks/*.ipynb

test: setup offline-weights
	TRANSFERKIT_QUICK=1 $(VENV)/bin/pytest tests notebooks --nbval-lax -p no:cacheprovider

benchmarks: setup offline-weights
	for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
