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
same loop. ``--guidance-scale W`` replaces the preset's w; ``--guidance-scale 0`` is the control
run: no guidance, the student distils itself and its weights do not move, so the spread of its
per-iteration rollout statistics is the noise floor of a run's curves.

Constraint costs: pact_constraints' batched torch costs (clearance robot↔scene, self-collision,
joint position, joint velocity, workspace, grasp approach; ``core.robot_costs``) of the robot in
``--urdf``/``--srdf`` (default: the Panda of example-robot-data) with the constraint YAML
``--constraints`` (default: pact_constraints' ``config/constraints/default.yaml``). ``sim``
evaluates every sample against the layout of the world it came from (``VectorEnv.scenes()``);
``mcap`` uses the scene YAML ``--scene`` (default: no obstacles) and the joint positions found
among the observations (``<joint>.position``).

Several GPUs: ``torchrun --nproc_per_node=N -m pact_trainer.align_cli sim ...`` (same arguments,
but ``--log-files`` for ``--logs``; one rank per GPU, rollouts per rank, gradients averaged,
rank 0 writes; see core.distributed).
"""

import argparse
from pathlib import Path
import shutil

from pact_parameters.core.schema import add_arguments, from_arguments, ParameterError
from pact_policy.core.checkpoint import load_checkpoint, save_checkpoint
from pact_policy.core.naming import logged_history_names
from pact_trainer.core.alignment_loop import PactAligner
from pact_trainer.core.distributed import DistributedTraining, end_rank_process
from pact_trainer.core.iteration_record import IterationRecord
from pact_trainer.core.robot_costs import robot_costs_for_policy, RobotCosts
from pact_trainer.core.sources import ObservationReplaySource
from pact_trainer.core.trainer_parameters import (AlignMcapParameters, AlignParameters,
                                                  AlignSimParameters)
from pact_world.core.robot_assets import PANDA_SRDF, PANDA_URDF
from pact_world.core.scene import load_scene_yaml, Scene
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
import torch


MODE_PARAMETERS = {'mcap': AlignMcapParameters, 'sim': AlignSimParameters}


def parse_arguments(argv=None) -> argparse.Namespace:
    """Return the parsed command line (flags with a default: ``core.trainer_parameters``)."""
    parser = argparse.ArgumentParser(prog='pact_align', description=__doc__.split('\n')[1])
    sub = parser.add_subparsers(dest='mode', required=True)
    for name, schema in MODE_PARAMETERS.items():
        mode = sub.add_parser(name)
        mode.add_argument('--base', required=True, help='base pact_policy checkpoint (.pact)')
        mode.add_argument('--out', required=True, help='output folder (resumable state)')
        if name == 'mcap':
            mode.add_argument('--logs', '--log-files', dest='logs', nargs='+', required=True,
                              help='MCAP files (under torchrun write --log-files: torchrun '
                                   'takes --logs for its own --logs-specs)')
        add_arguments(mode, schema)
    arguments = parser.parse_args(argv)
    try:  # checked before anything is loaded: a refused preset/Jacobian pair exits here
        arguments.jacobian = parameters_of(arguments).resolved_jacobian()
    except ParameterError as error:
        parser.error(str(error))
    return arguments


def parameters_of(arguments: argparse.Namespace) -> AlignParameters:
    """Return the validated parameters of parsed ``arguments`` (ParameterError if refused)."""
    return from_arguments(MODE_PARAMETERS[arguments.mode], arguments)


def observations_from_mcap(paths, policy) -> torch.Tensor:
    """Return the logged observations (N, O) of every PolicyStep, mapped by name."""
    from mcap_ros2.reader import read_ros2_messages
    wanted = logged_history_names(policy.config)
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


def build_robot_costs(policy, env=None, urdf: str = PANDA_URDF, srdf: str = PANDA_SRDF,
                      constraints: str = '', scene: str = '', device='cpu') -> RobotCosts:
    """
    Return the robot costs for ``policy``'s action joints (by name) and row spacing.

    The template scene is the env's first world (``sim``, after a reset; every sample then
    carries its own layout) or the scene YAML ``scene`` ('' = no obstacles).
    """
    template = env.scenes()[0] if env is not None else (
        load_scene_yaml(scene) if scene else Scene())
    return robot_costs_for_policy(policy, template, urdf, srdf, constraints, device,
                                  env.action_names if env is not None else ())


def build_aligner(arguments, distributed: DistributedTraining = None):
    """Return (aligner, base version) for the parsed arguments (one rank's under torchrun)."""
    device = arguments.device if arguments.device != 'auto' else (
        'cuda' if torch.cuda.is_available() else 'cpu')
    seed = arguments.seed
    if distributed is not None:  # torchrun: this rank's GPU, worlds and sampling noise
        device, seed = distributed.device, distributed.rank_seed(arguments.seed)
    loaded = load_checkpoint(arguments.base)
    policy = loaded.policy.float().train()  # loaded parameters require gradients
    if arguments.mode == 'sim':
        from pact_eval.core.sim_training import sim_training_setup
        sim = sim_training_setup(policy, arguments.task, seed, arguments.constraints,
                                 arguments.num_envs, device, arguments.urdf, arguments.srdf)
        source, robot = sim.source, sim.robot_costs
    else:
        source = ObservationReplaySource(observations_from_mcap(arguments.logs, policy))
        robot = build_robot_costs(policy, None, arguments.urdf, arguments.srdf,
                                  arguments.constraints, getattr(arguments, 'scene', ''), device)
    aligner = PactAligner(policy, robot.cost_set(), source,
                          parameters_of(arguments).align_config(),
                          state_dir=Path(arguments.out) / 'state', device=device,
                          distributed=distributed)
    return aligner, loaded.version or 'base'


def main(argv=None) -> int:
    """Run the alignment; return the process exit code."""
    arguments = parse_arguments(argv)
    distributed = DistributedTraining.from_environment(arguments.device)  # None w/o torchrun
    if distributed is None:
        return align(arguments, None)
    try:
        exit_code = align(arguments, distributed)
    except BaseException:
        distributed.shutdown(wait_for_all_ranks=False)
        raise
    distributed.shutdown()
    end_rank_process(exit_code)   # see its docstring: gloo may abort a finalizing interpreter


def align(arguments, distributed: DistributedTraining = None) -> int:
    """Run the alignment of ``arguments`` on this rank; return the process exit code."""
    out = Path(arguments.out)
    main_rank = distributed is None or distributed.is_main
    aligner, base_version = build_aligner(arguments, distributed)
    resumed = aligner.try_resume()
    if distributed is not None:
        distributed.check_same(aligner.iteration, 'the iteration to resume from')
    progress = Progress(TextColumn('[bold]PACT[/] {task.description}'), BarColumn(),
                        TextColumn('{task.completed}/{task.total}'), TimeElapsedColumn(),
                        disable=not main_rank)

    def on_iteration(record: IterationRecord):
        if not main_rank:
            return  # with torchrun only rank 0 writes checkpoints and prints
        version = f'{base_version}-{arguments.method}{record.iteration + 1}'
        parent = (f'{base_version}-{arguments.method}{record.iteration}'
                  if record.iteration else base_version)
        path = out / 'checkpoints' / f'{version}.pact'
        save_checkpoint(aligner.student, path, {'version': version, 'parent_version': parent})
        shutil.copyfile(path, out / 'latest.pact')
        progress.update(task, advance=1, description=(
            f'it {record.iteration} viol {record.violation_rate:.3f} '
            f'cost {record.mean_cost:.3g} kl {record.kl_proxy:.2g}'
            f'{" rolled back" if record.rolled_back else ""}'))
        progress.console.print(f'iteration {record.iteration}: ' + ', '.join(
            f'{name} {values["mean_cost"]:.3g} ({values["violation_rate"]:.0%})'
            for name, values in record.constraints.items()))

    with progress:
        task = progress.add_task('resumed' if resumed else 'starting',
                                 total=arguments.iterations, completed=aligner.iteration)
        aligner.run(arguments.iterations, callback=on_iteration)
    if main_rank:
        (out / 'iterations.jsonl').write_text(
            (out / 'state' / 'iterations.jsonl').read_text())
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
