# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
``TorchConstraintCosts`` before vs after a change of its torch path, side by side in one process.

    python bench/gpu/compare_torch_costs.py --reference 5ab4208 [--device cpu] [--batches 1 64 256]

The reference's ``torch_geometry``, ``torch_kinematics`` and ``torch_obstacles`` are read from
git at ``--reference`` and swapped into a second ``TorchConstraintCosts`` built for the same
robot, scene and configuration as ``bench/constraints/run.py`` (Panda, 8 obstacles, every
constraint, chunks (B, 16, 8) float32). The two are timed in alternating rounds (forward +
backward), so load on a shared machine hits both alike; the table gives the median chunks/s,
the ratio, the largest total-cost difference, and the operators each call dispatches
(``torch.profiler``; on CUDA also the kernels launched).
"""

import argparse
import pathlib
import statistics
import subprocess
import sys
import time
import types

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / 'bench' / 'constraints'))
from profiling import outermost_operators  # noqa: E402  (bench/gpu/profiling.py)
SOURCE = 'ros2_ws/src/pact_constraints/pact_constraints/core/'
# Modules that have moved since: a reference older than the move imports them by the old name.
MOVED_IMPORTS = (
    ('from pact_constraints.core.robot_assets import load_mesh',
     'from pact_constraints.core.mesh_assets import load_mesh'),
    ('pact_constraints.core.robot_assets', 'pact_world.core.robot_assets'),
    ('pact_constraints.core.scene ', 'pact_world.core.scene '),
)


def reference_module(commit: str, name: str, **attributes) -> types.ModuleType:
    """Return module ``name`` of pact_constraints.core as it was at ``commit``."""
    text = subprocess.run(['git', 'show', f'{commit}:{SOURCE}{name}.py'], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    for old, new in MOVED_IMPORTS:
        text = text.replace(old, new)
    module = types.ModuleType(f'reference_{name}')
    exec(compile(text, f'{commit}:{name}.py', 'exec'), module.__dict__)
    module.__dict__.update(attributes)
    return module


def build_costs(device: str, reference: str = None):
    """Return TorchConstraintCosts of the bench scene, with the reference's torch path if set."""
    import run as constraints_bench
    from pact_constraints.core.config import load_constraint_config
    from pact_constraints.core.robot_model import load_robot_model
    from pact_constraints.core.torch_costs import TorchConstraintCosts
    from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF
    from pact_world.core.scene import scene_from_dict
    robot = load_robot_model(PANDA_URDF, PANDA_SRDF)
    config = load_constraint_config(ROOT / 'config' / 'constraints' / 'default.yaml')
    costs = TorchConstraintCosts(robot, scene_from_dict(constraints_bench.SCENE), config,
                                 dt=0.1, device=device)
    if reference:
        geometry = reference_module(reference, 'torch_geometry')
        kinematics = reference_module(reference, 'torch_kinematics')
        obstacles = reference_module(reference, 'torch_obstacles')
        obstacles.geometry = geometry
        costs.kinematics = kinematics.TorchKinematics(robot, costs.device, costs.dtype)
        costs.obstacles = obstacles.ObstacleTensors(costs.obstacles.names,
                                                    costs.obstacles.tensors)
    return costs


def inputs(batch: int, device: str, seed: int = 0):
    """Return (chunks (B, 16, 8), start (B, 8)) around the bench's home pose."""
    import run as constraints_bench
    import torch
    generator = torch.Generator().manual_seed(seed)
    base = torch.tensor(constraints_bench.HOME, dtype=torch.float32)
    chunks = base + 0.05 * torch.randn(batch, 16, 8, generator=generator)
    return chunks.to(device), chunks[:, 0].to(device)


def one_call(costs, chunks, start):
    """Run forward + backward once; return the totals (B,)."""
    import torch
    x = chunks.clone().requires_grad_()
    total = costs(x, start).total
    total.sum().backward()
    if x.device.type == 'cuda':
        torch.cuda.synchronize()
    return total.detach()


def operator_counts(costs, chunks, start) -> tuple:
    """Return (operators dispatched, device kernels launched) by one forward + backward."""
    from torch.profiler import profile, ProfilerActivity
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA]
                                           if chunks.device.type == 'cuda' else [])
    one_call(costs, chunks, start)
    with profile(activities=activities) as profiler:
        one_call(costs, chunks, start)
    events = profiler.events()
    operators = outermost_operators(events)
    kernels = sum(1 for event in events if getattr(event, 'device_type', None) is not None
                  and str(event.device_type).endswith('CUDA'))
    return operators, kernels


def main(argv=None) -> int:
    """Run the comparison and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--reference', required=True, help='git commit of the "before" code')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    parser.add_argument('--batches', type=int, nargs='+', default=[1, 64, 256])
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--calls', type=int, default=5, help='calls per round and variant')
    parser.add_argument('--threads', type=int, default=1, help='torch CPU threads')
    arguments = parser.parse_args(argv)
    import torch
    torch.set_num_threads(arguments.threads)
    variants = {'before': build_costs(arguments.device, arguments.reference),
                'after': build_costs(arguments.device)}
    print(f'TorchConstraintCosts forward + backward, (B, 16, 8) float32, {arguments.device}, '
          f'{arguments.threads} torch thread(s); before = {arguments.reference}\n')
    print('| batch | before chunks/s | after chunks/s | after/before | max |Δ total| '
          '| operators before → after | kernels before → after |')
    print('|---:|---:|---:|---:|---:|---:|---:|')
    for batch in arguments.batches:
        chunks, start = inputs(batch, arguments.device)
        totals = {name: one_call(costs, chunks, start) for name, costs in variants.items()}
        speeds = {name: [] for name in variants}
        for _ in range(arguments.rounds):
            for name, costs in variants.items():
                began = time.perf_counter()
                for _ in range(arguments.calls):
                    one_call(costs, chunks, start)
                speeds[name].append(arguments.calls * batch / (time.perf_counter() - began))
        median = {name: statistics.median(values) for name, values in speeds.items()}
        counts = {name: operator_counts(costs, chunks, start)
                  for name, costs in variants.items()}
        difference = float((totals['after'] - totals['before']).abs().max())
        print(f'| {batch} | {median["before"]:,.0f} | {median["after"]:,.0f} | '
              f'{median["after"] / median["before"]:.2f} | {difference:.2g} | '
              f'{counts["before"][0]} → {counts["after"][0]} | '
              f'{counts["before"][1]} → {counts["after"][1]} |', flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
