# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Render the shipped node parameter YAMLs and the README parameter tables from the schemas.

    make parameters                                # the same as the line below, after setup
    python scripts/render_parameters.py            # rewrite the files that are out of date
    python scripts/render_parameters.py --check    # list them and exit 1 (tests do this)

Each node's schema (a ``pact_parameters`` dataclass in its package's core) is the one place a
parameter's default, type, unit, range and description are written. From it come
``config/<area>/<node>.yaml`` (``PARAMETER_FILE`` of the schema's module) and the table between
``<!-- parameters:<name> -->`` and ``<!-- end parameters -->`` in a package README.
Run after ``source pact_env.sh`` (the packages are imported).
"""

import argparse
import importlib
from pathlib import Path
import re
import sys

ROOT = Path(__file__).resolve().parents[1]
# Modules that define PARAMETER_FILE (a pact_parameters ParameterFile), one per node.
PARAMETER_FILE_MODULES = (
    'pact_policy.core.policy_node_parameters',
    'pact_constraints.core.constraint_node_parameters',
    'pact_trainer.core.trainer_parameters',
    'pact_sim.core.sim_node_parameters',
)
# README table name -> (README, module, schema, the table's own parameters or None, flags?)
README_TABLES = {
    'policy_node': ('ros2_ws/src/pact_policy/README.md',
                    'pact_policy.core.policy_node_parameters', 'PolicyNodeParameters', None,
                    False),
    'constraint_node': ('ros2_ws/src/pact_constraints/README.md',
                        'pact_constraints.core.constraint_node_parameters',
                        'ConstraintNodeParameters', None, False),
    'trainer_node': ('ros2_ws/src/pact_trainer/README.md', 'pact_trainer.core.trainer_parameters',
                     'TrainerNodeParameters', None, False),
    'pact_align': ('ros2_ws/src/pact_trainer/README.md', 'pact_trainer.core.trainer_parameters',
                   'AlignParameters', None, True),
    'pact_align sim': ('ros2_ws/src/pact_trainer/README.md',
                       'pact_trainer.core.trainer_parameters', 'AlignSimParameters',
                       ('task', 'num_envs'), True),
    'pact_align mcap': ('ros2_ws/src/pact_trainer/README.md',
                        'pact_trainer.core.trainer_parameters', 'AlignMcapParameters',
                        ('scene',), True),
    'sim_node': ('ros2_ws/src/pact_sim/README.md', 'pact_sim.core.sim_node_parameters',
                 'SimNodeParameters', None, False),
    'mujoco_demo': ('ros2_ws/src/pact_eval/README.md', 'pact_eval.core.demo_settings',
                    'DemoSettings', None, False),
}
END = '<!-- end parameters -->'


def parameter_files() -> list:
    """Return every node's ParameterFile."""
    return [importlib.import_module(module).PARAMETER_FILE for module in PARAMETER_FILE_MODULES]


def _block(name: str) -> re.Pattern:
    return re.compile(rf'(<!-- parameters:{re.escape(name)} -->\n)(.*?)({re.escape(END)})',
                      re.DOTALL)


def rendered(root: Path = ROOT) -> dict:
    """Return {path: text} of every rendered file as it should be (YAMLs, READMEs)."""
    from pact_parameters.core.schema import markdown_table
    files = {root / shipped.path: shipped.text() for shipped in parameter_files()}
    overrides = {shipped.schema: shipped.overrides for shipped in parameter_files()}
    readmes = {}
    for name, (readme, module, schema_name, names, as_flags) in README_TABLES.items():
        path = root / readme
        text = readmes.get(path, path.read_text())
        schema = getattr(importlib.import_module(module), schema_name)
        table = markdown_table(schema, overrides.get(schema), names, as_flags)
        block = _block(name)
        if not block.search(text):
            raise ValueError(f'{readme}: no <!-- parameters:{name} --> ... {END} block')
        readmes[path] = block.sub(lambda match, table=table: match.group(1) + table
                                  + match.group(3), text)
    files.update(readmes)
    return files


def out_of_date(root: Path = ROOT) -> list:
    """Return the paths whose content differs from the rendering."""
    return [path for path, text in rendered(root).items()
            if not path.is_file() or path.read_text() != text]


def main(argv=None) -> int:
    """Rewrite (or, with --check, list) the rendered files that are out of date."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--check', action='store_true',
                        help='only list the out-of-date files; exit 1 if there are any')
    arguments = parser.parse_args(argv)
    stale = out_of_date()
    for path in stale:
        print(f'{"out of date" if arguments.check else "rendered"}: {path.relative_to(ROOT)}')
    if arguments.check:
        return 1 if stale else 0
    files = rendered()
    for path in stale:
        path.write_text(files[path])
    return 0


if __name__ == '__main__':
    sys.exit(main())
