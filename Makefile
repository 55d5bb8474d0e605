# PACT-ROS — every command a newcomer needs. See README.md.
.PHONY: setup test test-fast lint lint-imports parameters clean help demo bench bench-constraints \
	bench-policy \
	bench-alignment \
	bench-alignment-toy bench-alignment-sim

help:
	@echo "make setup   create .venv, install the pinned dependencies, build ros2_ws (idempotent)"
	@echo "make test    set up, then run the whole test suite (colcon test + tests/)"
	@echo "make test-fast  the unit tests of every package (no dds/sim/slow tests, no linters), in"
	@echo "                one pytest-xdist run, for the inner loop (about 30 s on 2 cores)"
	@echo "make demo    set up, then align a policy live in MuJoCo (ROS 2 graph) -> runs/<time>/"
	@echo "make lint    ruff over the whole repository"
	@echo "make lint-imports   architecture walls (.importlinter) over the package sources"
	@echo "make parameters     re-render config/<area>/<node>.yaml and the README parameter tables"
	@echo "                    from the nodes' parameter schemas (after changing a schema)"
	@echo "make clean   remove build products (keeps .venv)"
	@echo "make bench   every benchmark below; rewrites the committed results under bench/"
	@echo "make bench-constraints   constraint library -> bench/constraints/RESULTS.md"
	@echo "make bench-policy        policy latency and hot swap -> bench/policy/RESULTS.md"
	@echo "make bench-alignment     PACT vs baselines: toy + the three MuJoCo tasks, 3 seeds x 64"
	@echo "                         paired layouts (several hours on 2 cores, resumable)"
	@echo "                         -> bench/alignment/summary.json, sim/<task>/REPORT.md"
	@echo "make bench-policy times models/aligned/ against models/base/ (see models/README.md)"

setup:
	@bash scripts/setup.sh

test: setup
	@bash scripts/run_tests.sh

test-fast: setup
	@bash scripts/run_fast_tests.sh

demo: setup
	@bash -c 'source pact_env.sh && python -m pact_eval.mujoco_demo $(DEMO_ARGS)'

lint: setup
	@.venv/bin/ruff check .

lint-imports: setup
	@bash -c 'source pact_env.sh && python -m pytest -q tests/test_architecture_contracts.py'

parameters: setup
	@bash -c 'source pact_env.sh && python scripts/render_parameters.py'

clean:
	rm -rf ros2_ws/build ros2_ws/install ros2_ws/log pact_env.sh

bench: bench-constraints bench-alignment bench-policy

bench-constraints: setup
	@bash -c 'source pact_env.sh && python bench/constraints/run.py'

bench-policy: setup
	@bash -c 'source pact_env.sh && python bench/policy/bench_policy.py'

bench-alignment: bench-alignment-toy bench-alignment-sim

bench-alignment-toy: setup
	@bash -c 'source pact_env.sh && python bench/alignment/run.py --suite toy'

# Resumable: rerun after an interruption and it continues; see bench/alignment/README.md.
bench-alignment-sim: setup
	@bash -c 'source pact_env.sh && python bench/alignment/sim_benchmark.py --workers $$(nproc)'
