# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The trainer on a GPU box: distillation step, constraint costs, kernels and syncs, one sim run.

    python bench/gpu/run.py                   # CPU, and CUDA when present (<= 5 min on a GPU box)
    python bench/gpu/run.py --device cpu      # the CPU part only
    python bench/gpu/run.py --out run.md      # also write the tables (markdown + .json beside)

Nothing is downloaded: the base policy is the committed ``models/base/<task>_base.pact`` (an
MLP, 1.8 M parameters), the scene is pact_sim's world of that task, the costs are pact_align's
robot costs with ``config/constraints/sim_tasks.yaml``. It measures

1. samples/s of one distillation step (teacher target with robot costs, student prediction,
   loss, backward, Adam) at three batch sizes, on the CPU and on CUDA, in fp32 and (CUDA)
   under bf16 autocast; the guidance is the MuJoCo benchmark's ``low_noise_w3``;
2. per step, from ``torch.profiler``: operators dispatched, CUDA kernels launched, host
   synchronisations (``cudaStreamSynchronize``/``cudaDeviceSynchronize``), memcpys, values
   read back to the host (``aten::_local_scalar_dense``), and the GPU's busy share of the
   step's wall time (kernel time / wall time);
3. chunks/s of ``TorchConstraintCosts`` forward + backward (B, 16, 8) at three batch sizes;
4. the wall time of one short ``pact_align sim`` run (1 iteration, 64 chunks) per device.

The script only uses interfaces that older commits have too, so the same file run against an
older checkout (its sources first on PYTHONPATH) gives the "before" numbers.
"""

import argparse
import inspect
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from profiling import outermost_operators  # noqa: E402  (bench/gpu/profiling.py)
SYNC_EVENTS = ('cudaStreamSynchronize', 'cudaDeviceSynchronize', 'cudaEventSynchronize')
READ_BACK_EVENTS = ('aten::_local_scalar_dense',)


def devices_for(argument: str) -> list:
    """Return the devices to measure: 'auto' = the CPU, and CUDA when present."""
    import torch
    if argument == 'auto':
        return ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
    return [argument]


def synchronize(device: str) -> None:
    """Wait for the device (timing boundaries only)."""
    import torch
    if device.startswith('cuda'):
        torch.cuda.synchronize()


class Workload:
    """The committed base policy, its sim world, robot costs and a pool of rollout rows."""

    def __init__(self, task: str, rows: int = 64):
        from pact_policy.core.checkpoint import load_checkpoint
        from pact_sim.core.vector_env import VectorEnv
        from pact_eval.core.sim_training import robot_costs_for_env
        from pact_eval.core.sim_source import VectorEnvSource
        import torch
        self.task = task
        self.base = load_checkpoint(ROOT / 'models' / 'base' / f'{task}_base.pact').policy
        self.base = self.base.float().eval()
        self.env = VectorEnv(task, 4)
        self.env.reset(list(range(self.env.num_envs)))
        self.constraints = str(ROOT / 'config' / 'constraints' / 'sim_tasks.yaml')
        robot = robot_costs_for_env(self.base, self.env, constraints=self.constraints)
        source = VectorEnvSource(self.env, seed=0, scene_context=robot.scene_context)
        self.pool = source.collect(self.base, rows, torch.Generator().manual_seed(0))
        self.parameters = sum(p.numel() for p in self.base.parameters())

    def step_function(self, device: str, batch: int, precision: str = 'fp32'):
        """Return ``step()`` running one distillation step of ``batch`` rows on ``device``."""
        import copy
        from pact_eval.core.sim_training import robot_costs_for_env
        from pact_trainer.core.distillation import distillation_loss, DistillationBatch
        from pact_trainer.core.guidance import LOW_NOISE_W3, preset
        from pact_trainer.core.safe_teacher import SafeTeacher
        import torch
        student = copy.deepcopy(self.base).to(device).train()
        for parameter in student.parameters():
            parameter.requires_grad_(True)
        teacher_policy = copy.deepcopy(self.base).to(device).eval()
        costs = robot_costs_for_env(self.base, self.env, constraints=self.constraints,
                                    device=device).cost_set()
        teacher = SafeTeacher(teacher_policy, costs, preset(LOW_NOISE_W3))
        index = torch.arange(batch) % len(self.pool)
        rows = self.pool.select(index)
        data = DistillationBatch(rows.action.to(device), rows.observation.to(device),
                                 {key: value.to(device) for key, value in rows.context.items()})
        optimizer = torch.optim.Adam(student.parameters(), lr=1e-5)
        generator = torch.Generator(device=device).manual_seed(0)
        extra = {}
        if precision != 'fp32':
            if 'precision' not in inspect.signature(distillation_loss).parameters:
                return None      # an older checkout without mixed precision
            extra['precision'] = precision

        def step():
            loss, _ = distillation_loss(student, teacher, data, generator, **extra)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return step


def samples_per_second(step, device: str, batch: int, seconds: float) -> float:
    """Return batch × steps / s of ``step`` after three warm-up steps."""
    for _ in range(3):
        step()
    synchronize(device)
    count, started = 0, time.perf_counter()
    while True:
        step()
        count += 1
        if count >= 3 and time.perf_counter() - started > seconds:
            break
    synchronize(device)
    return batch * count / (time.perf_counter() - started)


def profile_step(step, device: str) -> dict:
    """Return per-step counts (operators, kernels, syncs, memcpys, read-backs) and busy share."""
    from torch.profiler import profile, ProfilerActivity
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA]
                                           if device.startswith('cuda') else [])
    step()
    synchronize(device)
    with profile(activities=activities) as profiler:
        started = time.perf_counter()
        step()
        synchronize(device)
        wall = time.perf_counter() - started
    events = profiler.events()
    kernels = [event for event in events
               if str(getattr(event, 'device_type', '')).endswith('CUDA')]
    busy = sum(event.device_time_total if hasattr(event, 'device_time_total')
               else event.cuda_time_total for event in kernels) * 1e-6
    return {
        'operators': outermost_operators(events),
        'kernels': len(kernels),
        'syncs': sum(1 for event in events if event.name in SYNC_EVENTS),
        'memcpys': sum(1 for event in events if event.name.startswith('cudaMemcpy')),
        'read_backs': sum(1 for event in events if event.name in READ_BACK_EVENTS),
        'wall_ms': 1e3 * wall,
        'gpu_busy': (busy / wall) if kernels else None}


def constraint_costs_rate(workload: Workload, device: str, batch: int, seconds: float) -> float:
    """Return chunks/s of TorchConstraintCosts forward + backward on (batch, 16, 8)."""
    from pact_eval.core.sim_training import robot_costs_for_env
    from pact_trainer.core.cost_context import JOINT_POSITION
    import torch
    robot = robot_costs_for_env(workload.base, workload.env, constraints=workload.constraints,
                                device=device)
    rows = workload.pool.select(torch.arange(batch) % len(workload.pool))
    chunks, start = rows.action.to(device), rows.context[JOINT_POSITION].to(device)

    def step():
        x = chunks.clone().requires_grad_()
        robot.costs(x, start).total.sum().backward()
    return samples_per_second(step, device, batch, seconds)


def align_cli_seconds(task: str, device: str, timeout: float) -> float:
    """Return the wall seconds of one short ``pact_align sim`` run (1 iteration, 64 chunks)."""
    from pact_trainer.core.guidance import LOW_NOISE_W3
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, '-m', 'pact_trainer.align_cli', 'sim', '--base',
                   str(ROOT / 'models' / 'base' / f'{task}_base.pact'), '--task', task,
                   '--out', out, '--num-envs', '8', '--iterations', '1',
                   '--chunks-per-iteration', '64', '--steps-per-epoch', '10',
                   '--max-inner-epochs', '1', '--batch-size', '256', '--device', device,
                   '--constraints', str(ROOT / 'config' / 'constraints' / 'sim_tasks.yaml'),
                   '--guidance-preset', LOW_NOISE_W3]
        started = time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if run.returncode != 0:
            raise RuntimeError(f'pact_align sim --device {device} failed:\n{run.stderr[-2000:]}')
        return time.perf_counter() - started


def machine() -> str:
    """Return CPU, core count, torch version and the GPU (if any)."""
    import torch
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no CUDA device'
    return (f'{platform.processor() or platform.machine()}, {os.cpu_count()} cores, '
            f'torch {torch.__version__} ({torch.get_num_threads()} threads), {gpu}')


def main(argv=None) -> int:
    """Run every section for every device; print and optionally write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--device', default='auto',
                        help="'auto' (the CPU, and CUDA when present), 'cpu', 'cuda'")
    parser.add_argument('--task', default='pick')
    parser.add_argument('--batches', type=int, nargs=3, default=[64, 1024, 16384],
                        help='distillation batch sizes on CUDA')
    parser.add_argument('--cpu-batches', type=int, nargs=3, default=[64, 256, 1024],
                        help='distillation batch sizes on the CPU')
    parser.add_argument('--cost-batches', type=int, nargs=3, default=[64, 1024, 4096])
    parser.add_argument('--seconds', type=float, default=2.0, help='timing per setting')
    parser.add_argument('--threads', type=int, default=0,
                        help='torch CPU threads (0: leave torch default)')
    parser.add_argument('--skip-align', action='store_true', help='no pact_align sim run')
    parser.add_argument('--out', type=pathlib.Path, default=None,
                        help='write the tables here (markdown) and the numbers beside (.json)')
    arguments = parser.parse_args(argv)
    import torch
    if arguments.threads:
        torch.set_num_threads(arguments.threads)
    began = time.perf_counter()
    workload = Workload(arguments.task)
    results = {'machine': machine(), 'task': arguments.task,
               'parameters': workload.parameters, 'step': [], 'costs': [], 'align': []}
    for device in devices_for(arguments.device):
        batches = arguments.cpu_batches if device == 'cpu' else arguments.batches
        for precision in ('fp32',) if device == 'cpu' else ('fp32', 'bf16'):
            for batch in batches:
                step = workload.step_function(device, batch, precision)
                if step is None:
                    continue
                rate = samples_per_second(step, device, batch, arguments.seconds)
                counts = profile_step(step, device)
                row = {'device': device, 'precision': precision, 'batch': batch,
                       'samples_per_s': rate, **counts}
                results['step'].append(row)
                print(json.dumps(row), flush=True)
        for batch in arguments.cost_batches:
            rate = constraint_costs_rate(workload, device, batch, arguments.seconds)
            results['costs'].append({'device': device, 'batch': batch, 'chunks_per_s': rate})
            print(json.dumps(results['costs'][-1]), flush=True)
        if not arguments.skip_align:
            seconds = align_cli_seconds(arguments.task, device, timeout=240)
            results['align'].append({'device': device, 'seconds': seconds})
            print(json.dumps(results['align'][-1]), flush=True)
    results['total_seconds'] = time.perf_counter() - began
    text = markdown(results)
    print(text)
    if arguments.out is not None:
        arguments.out.write_text(text, encoding='utf-8')
        arguments.out.with_suffix('.json').write_text(json.dumps(results, indent=1))
    return 0


def markdown(results: dict) -> str:
    """Return the tables of ``results``."""
    def cell(value, pattern='{:,.0f}'):
        return '—' if value is None else pattern.format(value)
    lines = [f'Machine: {results["machine"]}. Task {results["task"]}, base MLP '
             f'{results["parameters"] / 1e6:.1f} M parameters; total '
             f'{results["total_seconds"]:.0f} s.', '',
             '| device | precision | batch | samples/s | operators | kernels | syncs | '
             'memcpys | read-backs | step ms (profiled) | GPU busy |',
             '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    for row in results['step']:
        lines.append(f'| {row["device"]} | {row["precision"]} | {row["batch"]} | '
                     f'{row["samples_per_s"]:,.0f} | {row["operators"]} | {row["kernels"]} | '
                     f'{row["syncs"]} | {row["memcpys"]} | {row["read_backs"]} | '
                     f'{row["wall_ms"]:.1f} | {cell(row["gpu_busy"], "{:.0%}")} |')
    lines += ['', '| device | batch | TorchConstraintCosts chunks/s (fwd + bwd) |',
              '|---|---:|---:|']
    lines += [f'| {row["device"]} | {row["batch"]} | {row["chunks_per_s"]:,.0f} |'
              for row in results['costs']]
    if results['align']:
        lines += ['', '| device | pact_align sim, 1 iteration of 64 chunks (s) |', '|---|---:|']
        lines += [f'| {row["device"]} | {row["seconds"]:.1f} |' for row in results['align']]
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    raise SystemExit(main())
