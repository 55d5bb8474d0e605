# PACT-ROS — every command a newcomer needs. See README.md.
.PHONY: setup test lint clean help demo bench-constraints

help:
	@echo "make setup   create .venv, install the pinned dependencies, build ros2_ws (idempotent)"
	@echo "make test    set up, then run the whole test suite (colcon test + tests/)"
	@echo "make demo    set up, then align a policy live in MuJoCo (ROS 2 graph) -> runs/<time>/"
	@echo "make lint    ruff over the whole repository"
	@echo "make clean   remove build products (keeps .venv)"
	@echo "make bench-constraints   constraint library benchmark -> bench/constraints/RESULTS.md"

setup:
	@bash scripts/setup.sh

test: setup
	@bash scripts/run_tests.sh

demo: setup
	@bash -c 'source pact_env.sh && python -m pact_trainer.mujoco_demo $(DEMO_ARGS)'

lint: setup
	@.venv/bin/ruff check .

clean:
	rm -rf ros2_ws/build ros2_ws/install ros2_ws/log pact_env.sh

bench-constraints: setup
	@bash -c 'source pact_env.sh && python bench/constraints/run.py'
