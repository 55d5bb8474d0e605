# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Policy benchmarks: latency per model size and sampler, aligned/base ratio, 50 MB hot swap.

Run from the repository root after ``make setup && source pact_env.sh``::

    python bench/policy/bench_policy.py            # both parts, writes bench/policy/RESULTS.md
    python bench/policy/bench_policy.py --quick    # fewer repetitions

Latency: one chunk for one observation (batch 1), Panda-sized (D = 8, O = 2 x 20, H = 16),
wall time of ``DiffusionPolicy.sample`` after warm-up; p50/p99 over the repetitions. Runs on
CPU, and on CUDA too when available. Hot swap: the policy node runs in its own process with a
~50 MB UNet; this process plays robot and trainer (GetModelChunk server, 4 MiB chunks over
loopback DDS) and measures announcement → verified/staged (from the node's log) and
announcement → active (PolicyStatus, auto_activate, swap at the next chunk boundary), for the
node as shipped (single-threaded executor) and, side by side, for the same node under rclpy's
MultiThreadedExecutor.
"""

import argparse
from functools import partial
import hashlib
import os
import pathlib
import platform
import random
import re
import statistics
import sys
import tempfile
import threading
import time

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'bench'))
from timing import median_seconds_in_turn  # noqa: E402  (bench/timing.py)
SIZES = {
    'mlp-256x3': {'model_type': 'mlp', 'mlp_hidden_dim': 256},
    'unet-64-128': {'unet_down_dims': [64, 128]},
    'unet-64-128-256': {'unet_down_dims': [64, 128, 256]},
    'unet-112-224-448 (~50 MB)': {'unet_down_dims': [112, 224, 448]},
}
SAMPLERS = {'epsilon': [('ddim', 10), ('ddpm', 100)], 'velocity': [('euler', 10),
                                                                   ('midpoint', 5)]}


def make_policy(size_overrides: dict, parameterisation: str, **extra):
    """Return a Panda-sized policy with random weights."""
    from pact_policy.core.naming import joint_position_names
    from pact_policy.core.policy import DiffusionPolicy
    from pact_policy.core.policy_config import PolicyConfig
    names = [f'panda_joint{i}' for i in range(1, 8)] + ['panda_finger_joint1']
    settings = {'action_dim': 8, 'obs_dim': 8, 'n_obs_steps': 2, 'horizon': 16,
                'n_action_steps': 8, 'parameterisation': parameterisation,
                'action_names': names,
                'observation_names': joint_position_names(names)}
    settings.update(size_overrides)
    settings.update(extra)
    torch.manual_seed(0)
    return DiffusionPolicy(PolicyConfig(**settings))


def measure_latency(policy, sampler: str, steps: int, repetitions: int, device: str) -> tuple:
    """Return (p50, p99) seconds of one batch-1 sample."""
    policy = policy.to(device).eval()
    observation = torch.zeros(1, policy.config.condition_dim, device=device)
    for _ in range(3):
        policy.sample(observation, sampler, steps)
    times = []
    for _ in range(repetitions):
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        start = time.perf_counter()
        policy.sample(observation, sampler, steps)
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def benchmark_devices(device: str) -> list:
    """Return the devices to time: 'auto' = the CPU, and CUDA when present; else ``device``."""
    if device == 'auto':
        return ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
    return [device]


def latency_table(repetitions: int, devices=('cpu',)) -> list:
    """Return markdown lines of the latency table on ``devices``."""
    lines = ['| device | model | params | parameterisation | sampler (steps) | p50 (ms) | '
             'p99 (ms) |', '|---|---|---:|---|---|---:|---:|']
    for device in devices:
        for size, overrides in SIZES.items():
            for parameterisation, samplers in SAMPLERS.items():
                policy = make_policy(overrides, parameterisation)
                params = sum(p.numel() for p in policy.parameters())
                for sampler, steps in samplers:
                    count = max(5, repetitions // (steps // 5 + 1)) if device == 'cpu' \
                        else repetitions
                    p50, p99 = measure_latency(policy, sampler, steps, count, device)
                    lines.append(f'| {device} | {size} | {params / 1e6:.2f} M | '
                                 f'{parameterisation} | {sampler} ({steps}) | '
                                 f'{1e3 * p50:.1f} | {1e3 * p99:.1f} |')
                    print(lines[-1], flush=True)
    return lines


def aligned_latency_table(repetitions: int, tasks=('reach', 'pick', 'carry')) -> list:
    """
    Return markdown lines comparing aligned and base checkpoints' sampling latency.

    Reads ``models/base/<task>_base.pact`` and ``models/aligned/<task>_pact.pact`` (final
    policies of ``bench/alignment/sim_benchmark.py``, see models/README.md). The two policies
    are timed alternately, one chunk each turn, in this one process, so that load on the shared
    machine hits both alike.
    """
    from pact_policy.core.checkpoint import load_checkpoint
    lines = ['| task | base p50 (ms) | aligned p50 (ms) | aligned / base | architecture |',
             '|---|---:|---:|---:|---|']
    for task in tasks:
        paths = (ROOT / 'models' / 'base' / f'{task}_base.pact',
                 ROOT / 'models' / 'aligned' / f'{task}_pact.pact')
        if not all(path.exists() for path in paths):
            lines.append(f'| {task} | | | not measured: {paths[1].relative_to(ROOT)} missing | |')
            continue
        base, aligned = (load_checkpoint(path).policy.float().eval() for path in paths)
        observation = torch.zeros(1, base.config.condition_dim)
        with torch.no_grad():
            medians = median_seconds_in_turn({'base': partial(base.sample, observation),
                                              'aligned': partial(aligned.sample, observation)},
                                             repetitions, warmup_rounds=3)
        base_p50, aligned_p50 = medians['base'], medians['aligned']
        lines.append(f'| {task} | {1e3 * base_p50:.2f} | {1e3 * aligned_p50:.2f} | '
                     f'{aligned_p50 / base_p50:.2f} | `{aligned.config.architecture_id}` |')
        print(lines[-1], flush=True)
    return lines


NODE_EXECUTORS = {
    # the node as shipped (pact_policy.policy_node.main)
    'single-threaded': ['-m', 'pact_policy.policy_node'],
    # the same node under rclpy's MultiThreadedExecutor (4 threads), its executor until 2026-11
    'multi-threaded (4)': ['-c', 'from rclpy.executors import MultiThreadedExecutor; '
                           'from pact_policy.policy_node import main; '
                           'main(executor_factory=lambda: MultiThreadedExecutor(num_threads=4))'],
}


def hot_swap(trials: int) -> list:
    """Return markdown lines of the 50 MB hot-swap measurement, per node executor."""
    os.environ.setdefault('ROS_DOMAIN_ID', str(random.randint(100, 200)))
    os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
    import rclpy
    from pact_policy.core.checkpoint import checkpoint_bytes, save_checkpoint
    harness = _hot_swap_harness()
    overrides = SIZES['unet-112-224-448 (~50 MB)']
    folder = pathlib.Path(tempfile.mkdtemp(prefix='pact_bench_'))
    base = make_policy(overrides, 'epsilon', action_dt=0.1, n_action_steps=8)
    save_checkpoint(base, folder / 'base.pact', {'version': 'base'})
    archives = [checkpoint_bytes(make_policy(overrides, 'epsilon', action_dt=0.1,
                                             n_action_steps=8), {'version': f'v{i}'})
                for i in range(1, trials + 1)]
    parameters = ['--ros-args', '-p', f'model_path:={folder / "base.pact"}', '-p',
                  'auto_activate:=true', '-p', 'autostart_activate:=true', '-p',
                  'status_rate_hz:=20.0']
    rclpy.init()
    rows = {executor: _swap_trials(harness, executor, [*command, *parameters], archives,
                                   base.config.architecture_id)
            for executor, command in NODE_EXECUTORS.items()}
    rclpy.shutdown()
    lines = ['| policy node executor | archive (MB) | transfer 4 MiB chunks (s) | '
             'load + smoke test (s) | verified (s) | announce → active (s) | missed ticks |',
             '|---|---:|---:|---:|---:|---:|---:|']
    for executor, executor_rows in rows.items():
        for size, fetch, load, ready, active, missed in executor_rows:
            lines.append(f'| {executor} | {size / 1e6:.1f} | {fetch:.3f} | {load:.3f} | '
                         f'{ready:.3f} | {active:.3f} | {missed} |')
    lines.append('')
    medians = {executor: statistics.median(row[4] for row in executor_rows)
               for executor, executor_rows in rows.items()}
    shipped, other = list(medians)
    lines.append(
        f'Median announce → active over {trials} swaps each: {shipped} {medians[shipped]:.3f} s '
        f'(target ≤ 1 s), {other} {medians[other]:.3f} s ({medians[other] / medians[shipped]:.1f}'
        f'× slower). "Verified" is transfer + load + smoke test from the node log; "active" is '
        'measured here from publishing the announcement to the PolicyStatus naming the new '
        'version. The swap happens at a chunk boundary: at once when no chunk is being computed, '
        'else when the current one is out. Control tick n_action_steps · action_dt = 0.8 s; '
        'missed ticks counted by the node during each swap. The same node and checkpoints run '
        'under both executors one after the other; the shipped node uses the single-threaded one.')
    return lines


def _swap_trials(harness, label: str, node_args: list, archives: list,
                 architecture_id: str) -> list:
    """Start the policy node with ``node_args``, swap in every archive; return one row each."""
    from rclpy.executors import SingleThreadedExecutor
    from pact_testing.processes import NodeProcess
    rows = []
    with NodeProcess(node_args, name='policy_node_bench') as peer:
        node = harness.Node(peer)
        executor = SingleThreadedExecutor()
        executor.add_node(node.node)
        threading.Thread(target=executor.spin, daemon=True).start()
        node.wait(lambda: node.status is not None and node.status.state == 2, 60, 'ACTIVE')
        for index, data in enumerate(archives, start=1):
            version = f'v{index}'
            missed = node.status.missed_ticks
            start = node.announce(version, data, architecture_id)
            node.wait(lambda v=version: node.status.active_model_version == v, 60, version)
            active = node.active_times[version] - start
            match = re.findall(rf"'{version}' verified and staged \((\d+) bytes; fetch "
                               r'([\d.]+) s, load \+ smoke test ([\d.]+) s\)', peer.output())
            size, fetch, load = match[-1]
            rows.append((int(size), float(fetch), float(load), float(fetch) + float(load),
                         active, node.status.missed_ticks - missed))
            print(label, rows[-1], flush=True)
        executor.shutdown()
        node.node.destroy_node()
    return rows


def _hot_swap_harness():
    """Return a namespace with the bench-side ROS node (robot + trainer roles)."""
    import types
    from pact_msgs.msg import ModelAnnouncement, PolicyStatus
    from pact_msgs.srv import GetModelChunk
    import rclpy
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import JointState
    from std_msgs.msg import String
    sys.path.insert(0, str(ROOT / 'ros2_ws/src/pact_policy/test'))
    from policy_fixtures import PANDA_ACTION_NAMES, PANDA_HOME, panda_urdf
    latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.TRANSIENT_LOCAL)

    class Node:
        def __init__(self, peer):
            self.peer = peer
            self.node = rclpy.create_node('policy_bench')
            self.archives, self.status, self.active_times = {}, None, {}
            self.joints = self.node.create_publisher(JointState, '/joint_states', 5)
            self.node.create_publisher(String, '/robot_description', latched).publish(
                String(data=panda_urdf()))
            self.announcer = self.node.create_publisher(ModelAnnouncement,
                                                        '/model_announcement', latched)
            self.node.create_subscription(PolicyStatus, '/policy_node/status', self.on_status,
                                          10)
            self.node.create_service(GetModelChunk, '/bench/get_model_chunk', self.serve)
            self.node.create_timer(0.02, lambda: self.joints.publish(
                JointState(name=PANDA_ACTION_NAMES, position=PANDA_HOME)))

        def on_status(self, status):
            if status.active_model_version not in self.active_times:
                self.active_times[status.active_model_version] = time.perf_counter()
            self.status = status

        def serve(self, request, response):
            data = self.archives[request.version]
            end = min(len(data), request.offset + request.length)
            response.data = data[request.offset:end]
            response.eof, response.total_size = end >= len(data), len(data)
            return response

        def announce(self, version, data, architecture_id) -> float:
            self.archives[version] = data
            start = time.perf_counter()
            self.announcer.publish(ModelAnnouncement(
                version=version, architecture_id=architecture_id, size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(), uri='service:///bench/get_model_chunk'))
            return start

        def wait(self, condition, timeout_s, what):
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                if condition():
                    return
                time.sleep(0.005)
            raise TimeoutError(f'{what}: {self.peer.output()[-3000:]}')

    return types.SimpleNamespace(Node=Node)


def main(argv=None) -> int:
    """Run the benchmarks and write RESULTS.md."""
    parser = argparse.ArgumentParser(description='pact_policy benchmarks')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--skip-latency', action='store_true')
    parser.add_argument('--skip-swap', action='store_true')
    parser.add_argument('--skip-aligned', action='store_true',
                        help='skip the aligned-vs-base checkpoint latency ratio')
    parser.add_argument('--out', default=str(pathlib.Path(__file__).with_name('RESULTS.md')))
    parser.add_argument('--device', default='auto',
                        help="latency table devices: 'auto' (the CPU, and CUDA when present), "
                        "'cpu', 'cuda' or 'cuda:N'")
    arguments = parser.parse_args(argv)
    torch.set_num_threads(1)
    lines = ['# pact_policy benchmarks', '',
             f'Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores '
             f'(shared), torch {torch.__version__}, 1 torch thread, CUDA '
             f'{"available" if torch.cuda.is_available() else "not available"}, load average '
             f'{os.getloadavg()[0]:.1f} at the start (other jobs share the cores: p99 is noisy).',
             'Command: `python bench/policy/bench_policy.py'
             + (' --quick' if arguments.quick else '') + '`', '']
    if not arguments.skip_latency:
        lines += ['## Inference latency (batch 1, one chunk H = 16, D = 8, O = 2 x 8)', '']
        lines += latency_table(20 if arguments.quick else 100,
                               benchmark_devices(arguments.device)) + ['']
    if not arguments.skip_aligned:
        lines += ['## Aligned vs base checkpoints (batch 1, one CPU thread, default sampler)',
                  '', 'PACT changes weights only: same architecture, same sampler, same cost '
                  'per chunk. Base and aligned are timed alternately in one process.', '']
        lines += aligned_latency_table(20 if arguments.quick else 200) + ['']
    if not arguments.skip_swap:
        lines += ['## Hot swap of a ~50 MB model (loopback DDS, separate processes)', '']
        lines += hot_swap(3 if arguments.quick else 5) + ['']
    pathlib.Path(arguments.out).write_text('\n'.join(lines) + '\n')
    print(f'wrote {arguments.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
