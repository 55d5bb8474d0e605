# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Console script: train a base diffusion / flow policy from pact_sim demonstrations.

Example (reproducible: same seed, same demos, same torch build → same checkpoint bytes)::

    train_base_policy --demos data/demos/reach.npz --out models/reach_base.pact --seed 0

Writes the checkpoint (EMA weights; ``pact_policy.core.checkpoint`` format) and, next to it,
``<name>.loss.png`` (loss curve) and ``<name>.train.json`` (settings, seed, demo digest,
final losses). The checkpoint's metadata records the same information.
"""

import argparse
import json
import pathlib
import sys

import matplotlib
from pact_policy.core.checkpoint import save_checkpoint
from pact_policy.core.demo_dataset import DemoFormatError, load_demonstrations, training_windows
from pact_policy.core.normalizer import Normalizer
from pact_policy.core.policy import DiffusionPolicy
from pact_policy.core.policy_config import PolicyConfig
from pact_policy.core.training import fit_policy, TrainingSettings
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
import torch


def parse_arguments(argv):
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--demos', required=True, help='<task>.npz from pact_sim record_demos')
    parser.add_argument('--out', required=True, help='checkpoint path (.pact)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--parameterisation', choices=('epsilon', 'velocity'), default='epsilon')
    parser.add_argument('--model', choices=('unet', 'mlp'), default='unet')
    parser.add_argument('--unet-dims', type=int, nargs='+', default=[64, 128, 256])
    parser.add_argument('--mlp-hidden', type=int, default=256)
    parser.add_argument('--horizon', type=int, default=16)
    parser.add_argument('--n-action-steps', type=int, default=8)
    parser.add_argument('--n-obs-steps', type=int, default=2)
    parser.add_argument('--train-timesteps', type=int, default=100)
    parser.add_argument('--inference-steps', type=int, default=10)
    parser.add_argument('--steps', type=int, default=20000, help='gradient steps')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--ema-decay', type=float, default=0.995)
    parser.add_argument('--version', default='', help='model version (default base-<task>)')
    parser.add_argument('--device', default='auto', help="'auto', 'cpu' or 'cuda'")
    parser.add_argument('--quiet', action='store_true', help='no progress bar')
    return parser.parse_args(argv)


def build_policy(arguments, demos, observations, chunks) -> DiffusionPolicy:
    """Return a fresh policy with normalisers fitted to the training windows."""
    config = PolicyConfig(
        action_dim=chunks.shape[2], obs_dim=len(demos.observation_names),
        horizon=arguments.horizon, n_action_steps=arguments.n_action_steps,
        n_obs_steps=arguments.n_obs_steps, action_dt=demos.dt,
        parameterisation=arguments.parameterisation, model_type=arguments.model,
        num_train_timesteps=arguments.train_timesteps,
        num_inference_steps=arguments.inference_steps, unet_down_dims=arguments.unet_dims,
        mlp_hidden_dim=arguments.mlp_hidden, action_names=demos.action_names,
        observation_names=demos.observation_names)
    action_normalizer = Normalizer.fit(chunks.reshape(-1, config.action_dim), 'minmax')
    observation_normalizer = Normalizer.fit(
        observations.reshape(-1, config.obs_dim), 'minmax')
    torch.manual_seed(arguments.seed)
    return DiffusionPolicy(config, action_normalizer, observation_normalizer)


def plot_losses(losses, path: pathlib.Path, title: str):
    """Write the loss curve (raw and 100-step moving average, log scale) to ``path``."""
    matplotlib.use('Agg')  # headless; set before pyplot is first imported
    from matplotlib import pyplot
    figure, axis = pyplot.subplots(figsize=(7, 4))
    axis.plot(losses, alpha=0.3, label='loss per step')
    window = max(1, min(100, len(losses) // 10))
    smooth = torch.tensor(losses).unfold(0, window, 1).mean(1).tolist() if losses else []
    axis.plot(range(window - 1, window - 1 + len(smooth)), smooth, label=f'{window}-step mean')
    axis.set_yscale('log')
    axis.set_xlabel('gradient step')
    axis.set_ylabel('denoising MSE')
    axis.set_title(title)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def train(arguments, console: Console) -> dict:
    """Train, write the outputs and return the training record."""
    demos = load_demonstrations(arguments.demos)
    observations, chunks = training_windows(demos, arguments.n_obs_steps, arguments.horizon)
    device = ('cuda' if torch.cuda.is_available() else 'cpu') if arguments.device == 'auto' \
        else arguments.device
    policy = build_policy(arguments, demos, observations, chunks).to(device)
    settings = TrainingSettings(num_steps=arguments.steps, batch_size=arguments.batch_size,
                                learning_rate=arguments.lr, ema_decay=arguments.ema_decay,
                                seed=arguments.seed)
    console.print(f'[bold]{demos.task}[/]: {len(demos.episode_lengths)} episodes, '
                  f'{len(chunks)} windows, {policy.config.architecture_id}, device {device}')
    with Progress(TextColumn('training'), BarColumn(), TextColumn('{task.completed}/'
                  '{task.total}'), TextColumn('loss {task.fields[loss]:.4f}'),
                  TimeRemainingColumn(), console=console, disable=arguments.quiet) as progress:
        bar = progress.add_task('train', total=settings.num_steps, loss=float('nan'))

        def report(step, loss):
            if step % 10 == 0 or step == settings.num_steps - 1:
                progress.update(bar, completed=step + 1, loss=loss)

        ema_policy, losses = fit_policy(policy, torch.from_numpy(chunks),
                                        torch.from_numpy(observations), settings, report)
    out = pathlib.Path(arguments.out)
    record = {'task': demos.task, 'demos': str(arguments.demos), 'demos_sha256': demos.sha256,
              'seed': arguments.seed, 'settings': vars(settings), 'windows': len(chunks),
              'final_loss_mean_100': sum(losses[-100:]) / max(1, len(losses[-100:])),
              'torch_version': torch.__version__, 'device': device}
    metadata = {'version': arguments.version or f'base-{demos.task}', 'parent_version': '',
                'training': record}
    record['sha256'] = save_checkpoint(ema_policy, out, metadata)
    plot_losses(losses, out.with_suffix('.loss.png'), f'{demos.task} base policy')
    out.with_suffix('.train.json').write_text(json.dumps(record, indent=2))
    console.print(f'wrote {out} (sha256 {record["sha256"][:12]}…), '
                  f'{out.with_suffix(".loss.png")}')
    return record


def main(argv=None) -> int:
    """Entry point of ``train_base_policy``."""
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    console = Console(stderr=True)
    try:
        train(arguments, console)
    except (DemoFormatError, ValueError) as error:
        console.print(f'[red]error:[/] {error}')
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
