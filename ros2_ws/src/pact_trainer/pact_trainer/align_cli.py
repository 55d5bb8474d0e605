# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
``pact_align``: offline PACT alignment from MCAP logs or against pact_sim's vectorised env.

    pact_align mcap --base base.pact --logs run1.mcap run2.mcap --out aligned/ --iterations 20
    pact_align sim  --base base.pact --task reach --num-envs 8 --out aligned/ --iterations 20

``mcap`` replays the logged observations (PolicyStep messages on any topic) and re-queries the
current iterate at those states; ``sim`` runs real on-policy rollouts (the benchmark path).
Both write ``<out>/state`` (resumable: rerun the same command to continue after a crash or with
a larger ``--iterations``), ``<out>/iterations.jsonl`` and one pact_policy checkpoint per
iteration to ``<out>/checkpoints/<version>.pact`` (loadable by the policy node), plus
``<out>/latest.pact``. ``--method rwr`` runs the reward-weighted-regression baseline through the
same loop. Constraint costs: joint position limits (from the env, or ``--joint-lower/upper``, or
the demonstrated action range) and, with ``--max-velocity``, joint velocity limits.
"""

import argparse
from pathlib import Path
import shutil

from pact_policy.core.checkpoint import load_checkpoint, save_checkpoint
from pact_trainer.core.alignment_loop import PactAligner, PactConfig
from pact_trainer.core.chunk_costs import joint_position_cost, joint_velocity_cost
from pact_trainer.core.costs import CostSet
from pact_trainer.core.guidance import preset
from pact_trainer.core.sources import ObservationReplaySource
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
import torch


def parse_arguments(argv=None) -> argparse.Namespace:
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(prog='pact_align', description=__doc__.split('\n')[1])
    sub = parser.add_subparsers(dest='mode', required=True)
    for name in ('mcap', 'sim'):
        mode = sub.add_parser(name)
        mode.add_argument('--base', required=True, help='base pact_policy checkpoint (.pact)')
        mode.add_argument('--out', required=True, help='output folder (resumable state)')
        mode.add_argument('--iterations', type=int, default=10)
        mode.add_argument('--chunks-per-iteration', type=int, default=256)
        mode.add_argument('--method', choices=('pact', 'rwr'), default='pact')
        mode.add_argument('--guidance-preset', default='reference_w0.03')
        mode.add_argument('--jacobian', choices=('stop_gradient', 'full'),
                          default='stop_gradient')
        mode.add_argument('--learning-rate', type=float, default=1e-4)
        mode.add_argument('--kl-bound', type=float, default=0.05)
        mode.add_argument('--steps-per-epoch', type=int, default=50)
        mode.add_argument('--max-inner-epochs', type=int, default=4)
        mode.add_argument('--batch-size', type=int, default=128)
        mode.add_argument('--joint-lower', type=float, nargs='*')
        mode.add_argument('--joint-upper', type=float, nargs='*')
        mode.add_argument('--max-velocity', type=float, nargs='*')
        mode.add_argument('--device', default='auto')
        mode.add_argument('--seed', type=int, default=0)
        if name == 'mcap':
            mode.add_argument('--logs', nargs='+', required=True, help='MCAP files')
        else:
            mode.add_argument('--task', default='reach')
            mode.add_argument('--num-envs', type=int, default=8)
    return parser.parse_args(argv)


def observations_from_mcap(paths, policy) -> torch.Tensor:
    """Return the logged observations (N, O) of every PolicyStep, mapped by name."""
    from mcap_ros2.reader import read_ros2_messages
    wanted = policy.config.observation_names
    rows = []
    for path in paths:
        for message in read_ros2_messages(str(path)):
            if message.schema.name != 'pact_msgs/msg/PolicyStep':
                continue
            step = message.ros_msg
            values = list(step.observation)
            if wanted:
                names = list(step.observation_names)
                if not set(wanted) <= set(names):
                    continue
                values = [values[names.index(name)] for name in wanted]
            if len(values) == policy.config.condition_dim:
                rows.append(values)
    if not rows:
        raise ValueError(f'no usable PolicyStep observations in {[str(p) for p in paths]}')
    return torch.tensor(rows, dtype=torch.float32)


def build_costs(arguments, policy, env=None) -> CostSet:
    """Return joint-limit (and optional velocity) costs in the action's units."""
    lower, upper = arguments.joint_lower, arguments.joint_upper
    if not lower or not upper:
        if env is not None:
            lower, upper = env.action_low.tolist(), env.action_high.tolist()
        else:
            normalizer = policy.action_normalizer
            spread = 1.0 if normalizer.mode == 'minmax' else 3.0
            lower = (normalizer.offset - spread * normalizer.scale).tolist()
            upper = (normalizer.offset + spread * normalizer.scale).tolist()
    terms = [joint_position_cost(lower, upper)]
    if arguments.max_velocity:
        terms.append(joint_velocity_cost(arguments.max_velocity, policy.config.action_dt))
    return CostSet(terms)


def build_aligner(arguments):
    """Return (aligner, base version) for the parsed arguments."""
    device = arguments.device if arguments.device != 'auto' else (
        'cuda' if torch.cuda.is_available() else 'cpu')
    loaded = load_checkpoint(arguments.base)
    policy = loaded.policy.float().train()
    for parameter in policy.parameters():
        parameter.requires_grad_(True)
    env = None
    if arguments.mode == 'sim':
        from pact_sim.core.vector_env import VectorEnv
        from pact_trainer.core.sim_source import VectorEnvSource
        env = VectorEnv(arguments.task, arguments.num_envs)
        source = VectorEnvSource(env, seed=arguments.seed)
    else:
        source = ObservationReplaySource(observations_from_mcap(arguments.logs, policy))
    config = PactConfig(iterations=arguments.iterations,
                        chunks_per_iteration=arguments.chunks_per_iteration,
                        batch_size=arguments.batch_size,
                        steps_per_epoch=arguments.steps_per_epoch,
                        max_inner_epochs=arguments.max_inner_epochs,
                        learning_rate=arguments.learning_rate, kl_bound=arguments.kl_bound,
                        guidance=preset(arguments.guidance_preset), jacobian=arguments.jacobian,
                        objective=arguments.method, seed=arguments.seed)
    aligner = PactAligner(policy, build_costs(arguments, policy, env), source, config,
                          state_dir=Path(arguments.out) / 'state', device=device)
    return aligner, loaded.version or 'base'


def main(argv=None) -> int:
    """Run the alignment; return the process exit code."""
    arguments = parse_arguments(argv)
    out = Path(arguments.out)
    aligner, base_version = build_aligner(arguments)
    resumed = aligner.try_resume()
    progress = Progress(TextColumn('[bold]PACT[/] {task.description}'), BarColumn(),
                        TextColumn('{task.completed}/{task.total}'), TimeElapsedColumn())

    def on_iteration(record):
        version = f'{base_version}-{arguments.method}{record["iteration"] + 1}'
        parent = (f'{base_version}-{arguments.method}{record["iteration"]}'
                  if record['iteration'] else base_version)
        path = out / 'checkpoints' / f'{version}.pact'
        save_checkpoint(aligner.student, path, {'version': version, 'parent_version': parent})
        shutil.copyfile(path, out / 'latest.pact')
        candidate = record['candidate']
        progress.update(task, advance=1, description=(
            f'it {record["iteration"]} viol {candidate["violation_rate"]:.3f} '
            f'cost {candidate["mean_cost"]:.3g} kl {record["kl_proxy"]:.2g}'
            f'{" rolled back" if record["rolled_back"] else ""}'))

    with progress:
        task = progress.add_task('resumed' if resumed else 'starting',
                                 total=arguments.iterations, completed=aligner.iteration)
        aligner.run(arguments.iterations, callback=on_iteration)
    (out / 'iterations.jsonl').write_text(
        (out / 'state' / 'iterations.jsonl').read_text())
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
