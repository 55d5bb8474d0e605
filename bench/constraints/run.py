# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Benchmark the constraint library: node core loop per geometry mode, chunk gradients, torch.

Scene: the Panda (example-robot-data) with 8 obstacles (2 half-spaces, 3 boxes, a cylinder,
a sphere, a capsule) and a tracked object with a grasp keypoint; every constraint active
(``config/constraints/default.yaml``). Runs on ONE core (CPU affinity + 1 torch thread).

    python bench/constraints/run.py            # writes bench/constraints/RESULTS.md
    python bench/constraints/run.py --quick    # fewer repetitions, prints only

Numbers: evaluations/s of ``ConstraintMonitor.evaluate`` (what the node runs each cycle:
joint-state checks + FK + distances + all terms, without markers) and of the same with the
marker-cycle reporting distance; chunks/s of the exact path with gradients (H = 16); chunks/s
of ``TorchConstraintCosts`` forward + backward for batches of (B, 16, 8), on CPU and on CUDA
when present.
"""

import argparse
import datetime
import os
import pathlib
import platform
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCENE = {'frame': 'world', 'obstacles': [
    {'name': 'floor', 'type': 'half_space', 'normal': [0, 0, 1], 'offset': 0.0},
    {'name': 'ceiling', 'type': 'half_space', 'normal': [0, 0, -1], 'offset': -1.4},
    {'name': 'table', 'type': 'box', 'size': [0.8, 1.2, 0.04],
     'pose': {'position': [0.7, 0.0, 0.1]}},
    {'name': 'wall', 'type': 'box', 'size': [0.02, 1.0, 1.0],
     'pose': {'position': [-0.45, 0.0, 0.5]}},
    {'name': 'shelf', 'type': 'box', 'size': [0.3, 0.3, 0.02],
     'pose': {'position': [0.5, 0.45, 0.7]}},
    {'name': 'post', 'type': 'cylinder', 'radius': 0.03, 'length': 0.5,
     'pose': {'position': [0.45, 0.35, 0.45]}},
    {'name': 'ball', 'type': 'sphere', 'radius': 0.05, 'pose': {'position': [0.3, -0.35, 0.6]}},
    {'name': 'bar', 'type': 'capsule', 'radius': 0.03, 'length': 0.4,
     'pose': {'position': [0.65, 0.0, 0.85], 'rpy': [1.5708, 0, 0]}},
], 'objects': [{'name': 'cube', 'type': 'box', 'size': [0.05, 0.05, 0.05],
                'pose': {'position': [0.5, 0.0, 0.145]}, 'keypoints': {'grasp': [0, 0, 0]}}]}
HOME = np.array([0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.785, 0.04])


def pin_to_one_core():
    """Restrict this process (and BLAS/torch) to one CPU core; return its index."""
    for variable in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[variable] = '1'
    core = sorted(os.sched_getaffinity(0))[0]
    os.sched_setaffinity(0, {core})
    return core


def machine_description() -> str:
    """Return CPU model, core count and library versions."""
    import coal
    import pinocchio
    import torch
    model = 'unknown CPU'
    cpuinfo = pathlib.Path('/proc/cpuinfo')
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none'
    load = ', '.join(f'{value:.1f}' for value in os.getloadavg())
    return (f'{model}, {os.cpu_count()} logical cores (1 used, shared; load average {load}), '
            f'GPU: {gpu}; '
            f'{platform.system()} {platform.release()}, Python {platform.python_version()}, '
            f'pinocchio {pinocchio.__version__}, coal {coal.__version__}, '
            f'torch {torch.__version__}, numpy {np.__version__}')


def configurations(robot, count, rng):
    """Return ``count`` joint vectors wandering around the home pose (within limits)."""
    walk = HOME + np.cumsum(rng.normal(0, 0.05, (count, len(HOME))), axis=0) * 0.3
    walk[:, 7] = 0.04
    return np.clip(walk, robot.lower, robot.upper)


def rate(function, items, repeats) -> float:
    """Return calls per second of ``function(item)`` over ``items`` repeated."""
    for item in items[:10]:
        function(item)
    started = time.perf_counter()
    for _ in range(repeats):
        for item in items:
            function(item)
    return repeats * len(items) / (time.perf_counter() - started)


def bench_node_core(robot, scene, config, poses, repeats):
    """Return rows (mode, evals/s, evals/s with markers, exact chunks/s with gradient)."""
    from pact_constraints.core.constraints import ConstraintEvaluator
    from pact_constraints.core.monitor import ConstraintMonitor
    rows = []
    names = robot.joint_names
    for mode in ('capsule', 'convex', 'exact'):
        mode_config = config.with_geometry_mode(mode)
        monitor = ConstraintMonitor(mode_config, scene=scene)
        monitor.robot = robot
        monitor.evaluator = ConstraintEvaluator(robot, scene, mode_config)
        mode_repeats = max(1, repeats // (5 if mode == 'exact' else 1))

        def cycle(positions, markers=False, monitor=monitor):
            now = time.monotonic()
            monitor.add_joint_state(names, positions, [0.0] * len(names), now, now)
            return monitor.evaluate(now, for_markers=markers)
        plain = rate(cycle, poses, mode_repeats)
        with_markers = rate(lambda p, cycle=cycle: cycle(p, True), poses, mode_repeats)
        chunk_starts = poses[: max(4, len(poses) // 20)]

        def chunk(start, evaluator=monitor.evaluator):
            rows_ = start + np.linspace(0, 0.2, 16)[:, None] * np.ones(len(start))
            rows_[:, 7] = 0.04
            return evaluator.evaluate_chunk(np.clip(rows_, robot.lower, robot.upper), start, 0.1)
        chunks = rate(chunk, chunk_starts, 1)
        rows.append((mode, plain, with_markers, chunks))
        print(f'{mode:8s} node core {plain:8.0f}/s  with markers {with_markers:8.0f}/s  '
              f'exact chunk+grad {chunks:6.1f}/s', flush=True)
    return rows


def bench_torch(robot, scene, config, quick, device='auto'):
    """Return rows (device, batch, chunks/s) for forward + backward on ``device``."""
    import torch
    from pact_constraints.core.torch_costs import TorchConstraintCosts
    torch.set_num_threads(1)
    devices = ([device] if device != 'auto' else
               ['cpu'] + (['cuda'] if torch.cuda.is_available() else []))
    rows = []
    for device in devices:
        costs = TorchConstraintCosts(robot, scene, config, dt=0.1, device=device)
        for batch in ((1, 64) if quick else (1, 64, 256, 1024)):
            if device == 'cpu' and batch > 256:
                continue
            base = torch.tensor(HOME, dtype=torch.float32, device=device)
            chunks = base + 0.05 * torch.randn(batch, 16, 8, device=device)
            current = chunks[:, 0].detach()

            def step(_, chunks=chunks, current=current, costs=costs, device=device):
                x = chunks.clone().requires_grad_()
                costs(x, current).total.sum().backward()
                if device.startswith('cuda'):
                    torch.cuda.synchronize()
            calls = rate(step, [None], 3 if quick else 10)
            rows.append((device, batch, calls * batch))
            print(f'torch {device:4s} B={batch:5d}: {calls * batch:9.0f} chunks/s', flush=True)
    return rows


def far_scene(count: int) -> dict:
    """Return SCENE plus ``count`` 5 cm boxes on a grid 3-6 m in front of the robot."""
    far = [{'name': f'far{i}', 'type': 'box', 'size': [0.05, 0.05, 0.05],
            'pose': {'position': [3.0 + 0.1 * (i % 30), -1.5 + 0.1 * (i // 30), 0.5]}}
           for i in range(count)]
    return dict(SCENE, obstacles=SCENE['obstacles'] + far)


def bench_far_obstacles(robot, config, poses, count, repeats, output):
    """Time the node core loop with SCENE and with SCENE + ``count`` far boxes, alternately."""
    from pact_constraints.core.constraints import ConstraintEvaluator
    from pact_constraints.core.monitor import ConstraintMonitor
    from pact_world.core.scene import scene_from_dict
    names, rows = robot.joint_names, []
    for mode in ('capsule', 'convex'):
        mode_config = config.with_geometry_mode(mode)
        rates = {}
        for _ in range(repeats):  # alternate, so both see the same machine load
            for obstacles in (0, count):
                scene = scene_from_dict(far_scene(obstacles))
                monitor = ConstraintMonitor(mode_config, scene=scene)
                monitor.robot = robot
                monitor.evaluator = ConstraintEvaluator(robot, scene, mode_config)

                def cycle(positions, monitor=monitor):
                    now = time.monotonic()
                    monitor.add_joint_state(names, positions, [0.0] * len(names), now, now)
                    return monitor.evaluate(now)
                rates.setdefault(obstacles, []).append(rate(cycle, poses, 1))
        near, far = (float(np.median(rates[k])) for k in (0, count))
        rows.append((mode, near, far))
        print(f'{mode:8s} 8 obstacles {near:6.0f}/s, {8 + count} obstacles {far:6.0f}/s',
              flush=True)
    lines = ['# Constraint node loop with many far obstacles', '',
             f'Command: `python bench/constraints/run.py --far-obstacles {count}` '
             f'({datetime.date.today().isoformat()}).', '',
             f'Machine: {machine_description()}.', '',
             f'Panda, all six constraints, one core; the scene of RESULTS.md (8 obstacles) alone '
             f'and with {count} more 5 cm boxes 3-6 m away, timed alternately '
             f'({repeats} rounds, median).', '',
             '| geometry | evaluations/s, 8 obstacles | evaluations/s, '
             f'{8 + count} obstacles | ratio |', '|---|---:|---:|---:|']
    lines += [f'| {mode} | {near:,.0f} | {far:,.0f} | {far / near:.2f} |'
              for mode, near, far in rows]
    lines += ['', 'Far obstacles are culled against one sphere around the moving robot before',
              'any per-pair bound (pact_constraints core/distance.py).']
    pathlib.Path(output).write_text('\n'.join(lines) + '\n', encoding='utf-8')
    print(f'wrote {output}')


def write_results(path, machine, node_rows, torch_rows, command):
    """Write the markdown table."""
    lines = [
        '# pact_constraints benchmark', '',
        f'Command: `{command}` ({datetime.date.today().isoformat()}).', '',
        f'Machine: {machine}.', '',
        'Panda + 8 obstacles (2 half-spaces, 3 boxes, cylinder, sphere, capsule) + 1 tracked',
        'object, all six constraints active (default config), one CPU core.', '',
        '## Node core loop (ConstraintMonitor.evaluate: joint state in, all terms out)', '',
        '| geometry | evaluations/s | evaluations/s on marker cycles (pairs < 0.3 m) | '
        'exact-path chunks/s with gradient (H=16) |',
        '|---|---:|---:|---:|',
    ]
    lines += [f'| {mode} | {plain:,.0f} | {markers:,.0f} | {chunks:,.1f} |'
              for mode, plain, markers, chunks in node_rows]
    lines += ['', 'Target (DESIGN §9): >= 1 kHz with convex/capsule geometry. The node draws',
              'markers at <= 10 Hz, so its loop runs at the rate of the first column.', '',
              '## Training path (TorchConstraintCosts, forward + backward, (B, 16, 8) float32)',
              '', '| device | batch B | chunks/s |', '|---|---:|---:|']
    lines += [f'| {device} | {batch} | {speed:,.0f} |' for device, batch, speed in torch_rows]
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')


def main():
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--quick', action='store_true', help='fewer repetitions, no file')
    parser.add_argument('--output', default=str(HERE / 'RESULTS.md'))
    parser.add_argument('--device', default='auto',
                        help="torch costs on 'auto' (the CPU, and CUDA when present), 'cpu', "
                        "'cuda' or 'cuda:N'")
    parser.add_argument('--far-obstacles', type=int, default=0, metavar='N',
                        help='only time the node loop with N far obstacles added '
                             '(writes FAR_OBSTACLES.md)')
    args = parser.parse_args()
    core = pin_to_one_core()
    from pact_constraints.core.config import load_constraint_config
    from pact_constraints.core.robot_model import load_robot_model
    from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF
    from pact_world.core.scene import scene_from_dict
    robot = load_robot_model(PANDA_URDF, PANDA_SRDF)
    scene = scene_from_dict(SCENE)
    config = load_constraint_config(ROOT / 'config' / 'constraints' / 'default.yaml')
    rng = np.random.default_rng(0)
    poses = configurations(robot, 200, rng)
    machine = machine_description()
    print(f'one core (#{core}); {machine}', flush=True)
    if args.far_obstacles:
        bench_far_obstacles(robot, config, poses, args.far_obstacles, 5,
                            HERE / 'FAR_OBSTACLES.md')
        return
    node_rows = bench_node_core(robot, scene, config, poses, 2 if args.quick else 10)
    torch_rows = bench_torch(robot, scene, config, args.quick, args.device)
    if not args.quick:
        write_results(pathlib.Path(args.output), machine, node_rows, torch_rows,
                      'python bench/constraints/run.py')
        print(f'wrote {args.output}')


if __name__ == '__main__':
    main()
