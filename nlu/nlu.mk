# Rasa NLU: a Python 3.10 virtualenv with Rasa 3.6 and a model trained on the train split.
# Included from the top-level Makefile; every path is relative to the repository root.
#
# Both are cached outside the repository so that a fresh clone (CI) on the same machine
# neither reinstalls Rasa nor retrains; a lock file beside each lets two checkouts build at
# once, the second waiting for the first:
#   $(NLU_CACHE)/rasa-venv-<hash of requirements + Python>  <- nlu/.venv is a symlink to it
#   $(NLU_CACHE)/rasa-models/nlu-<hash of config + data>.tar.gz  -> copied to nlu/models/

NLU_CACHE ?= $(HOME)/.cache/vertelpunt
NLU_HOST ?= 127.0.0.1
NLU_PORT ?= 5005
NLU_VENV := nlu/.venv
NLU_REQUIREMENTS := nlu/requirements-rasa.txt
NLU_MODEL := nlu/models/nlu.tar.gz
NLU_MODEL_INPUTS := nlu/config.yml nlu/dataset.py $(NLU_REQUIREMENTS) \
	$(sort $(wildcard nlu/data/nlu/*.yml))
# Rasa phones home and prints SQLAlchemy / TensorFlow noise unless told not to.
NLU_RASA_ENV := RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 \
	TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH=$(CURDIR)
# First Python 3.10 that really runs (a pyenv shim may exist and still fail).
NLU_PYTHON310 = $(shell for p in python3.10 $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python); do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10); print(sys.executable)' \
	2>/dev/null && break; done)

.PHONY: nlu nlu-venv nlu-serve

nlu: $(NLU_MODEL)

nlu-venv:
	@set -e; python="$(NLU_PYTHON310)"; \
	if [ -z "$$python" ]; then \
		echo "nlu: Rasa 3.6 needs Python 3.10, found neither python3.10 on PATH nor" \
			"$(HOME)/.pyenv/versions/3.10*/bin/python." >&2; \
		echo "nlu: install Python 3.10 (e.g. 'pyenv install 3.10') and run make nlu again." >&2; \
		exit 1; \
	fi; \
	hash=$$( { cat $(NLU_REQUIREMENTS); "$$python" -VV; } | sha256sum | cut -c1-16); \
	venv="$(NLU_CACHE)/rasa-venv-$$hash"; \
	mkdir -p "$(NLU_CACHE)"; exec 9>"$$venv.lock"; flock 9; \
	if [ ! -f "$$venv/.complete" ]; then \
		echo "nlu: installing Rasa into $$venv (takes minutes, once per machine)"; \
		rm -rf "$$venv"; \
		"$$python" -m venv "$$venv"; \
		"$$venv/bin/pip" install --no-input -r $(NLU_REQUIREMENTS) > "$$venv.log" 2>&1 \
			|| { tail -n 40 "$$venv.log" >&2; echo "nlu: pip failed, see $$venv.log" >&2; exit 1; }; \
		touch "$$venv/.complete"; \
	fi; \
	if [ -e $(NLU_VENV) ] && [ ! -L $(NLU_VENV) ]; then rm -rf $(NLU_VENV); fi; \
	ln -sfn "$$venv" $(NLU_VENV)

$(NLU_MODEL): $(NLU_MODEL_INPUTS) | nlu-venv
	@set -e; hash=$$(sha256sum $(NLU_MODEL_INPUTS) | sha256sum | cut -c1-16); \
	cached="$(NLU_CACHE)/rasa-models/nlu-$$hash.tar.gz"; \
	mkdir -p "$(NLU_CACHE)/rasa-models"; exec 9>"$$cached.lock"; flock 9; \
	if [ -f "$$cached" ]; then \
		echo "nlu: model for these data and config found in $$cached"; \
	else \
		work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; \
		echo "nlu: training the Rasa model on the train split (a few minutes)"; \
		$(NLU_RASA_ENV) $(NLU_VENV)/bin/python -m nlu.dataset write-train "$$work/train.yml"; \
		$(NLU_RASA_ENV) RASA_CACHE_DIRECTORY="$$work/cache" $(NLU_VENV)/bin/rasa train nlu \
			--config nlu/config.yml --nlu "$$work/train.yml" --out "$$work/out" \
			--fixed-model-name nlu > "$$work/train.log" 2>&1 \
			|| { tail -n 40 "$$work/train.log" >&2; exit 1; }; \
		cp "$$work/out/nlu.tar.gz" "$$cached.part"; mv "$$cached.part" "$$cached"; \
	fi; \
	mkdir -p $(dir $(NLU_MODEL)); cp "$$cached" $(NLU_MODEL); \
	echo "nlu: model ready at $(NLU_MODEL)"

nlu-serve: $(NLU_MODEL)
	$(NLU_RASA_ENV) $(NLU_VENV)/bin/rasa run --enable-api --model $(NLU_MODEL) \
		--interface $(NLU_HOST) --port $(NLU_PORT)
