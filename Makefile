# PACT-ROS — every command a newcomer needs. See README.md.
.PHONY: setup test lint clean help bench-constraints

help:
	@echo "make setup   create .venv, install the pinned dependencies, build ros2_ws (idempotent)"
	@echo "make test    set up, then run the whole test suite (colcon test + tests/)"
	@echo "make lint    ruff over the whole repository"
	@echo "make clean   remove build products (keeps .venv)"
	@echo "make bench-constraints   constraint library benchmark -> bench/constraints/RESULTS.md"

setup:
	@bash scripts/setup.sh

test: setup
	@bash scripts/run_tests.sh

lint: setup
	@.venv/bin/ruff check .

clean:
	rm -rf ros2_ws/build ros2_ws/install ros2_ws/log pact_env.sh

bench-constraints: setup
	@bash -c 'source pact_env.sh && python bench/constraints/run.py'
