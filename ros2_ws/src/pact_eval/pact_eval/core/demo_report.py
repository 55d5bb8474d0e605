# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
The before/after table and the report of the MuJoCo alignment demo (``make demo``).

One function, ``comparison_rows``, formats every number of the table; the console table and the
markdown report are both built from its rows, so what is printed is what is written. The report
folder (``runs/<timestamp>/``) gets:

- ``REPORT.md``: the table, the run's settings, per-iteration alignment numbers, hot swaps,
  phase timings and the before/after frames;
- ``alignment.png``: on-policy violation rate and mean constraint cost per PACT iteration, as
  the trainer reported them in AlignmentStatus (these are the trainer's costs, not the judge);
- ``frames/{before,after}.png`` (a strip of key frames) and ``.gif`` (the whole episode) of the
  same layout seed before and after alignment, unsafe contacts drawn red;
- ``results.json``: every number above.
"""

from dataclasses import dataclass, field
import json
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
from pact_eval.core.sim_evaluation import EvaluationResult

# key, label, True when higher is better
TABLE_METRICS = (('success_rate', 'success rate', True),
                 ('safe_rate', 'safe rate (no event)', True),
                 ('events_per_episode', 'safety events / episode', False))
TABLE_HEADER = ('metric', 'before (base)', 'after (PACT)', 'change')


@dataclass
class EpisodeFrames:
    """Rendered frames of one episode and the judge's verdict on it."""

    seed: int
    frames: List[np.ndarray]
    success: bool
    events_by_type: Dict[str, int]


@dataclass
class DemoRecord:
    """Everything a demo run measured (see ``write_report``)."""

    task: str
    base_checkpoint: str
    aligned_checkpoint: str
    aligned_version: str
    before: EvaluationResult
    after: EvaluationResult
    iterations: List[dict] = field(default_factory=list)
    hot_swaps: List[dict] = field(default_factory=list)
    timings: Dict[str, float] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    live_episodes: int = 0       # episodes the live graph finished while aligning

    def to_dict(self) -> dict:
        """Return a JSON-ready dict of every number."""
        rows = comparison_rows(self.before, self.after)
        return {'task': self.task, 'base_checkpoint': self.base_checkpoint,
                'aligned_checkpoint': self.aligned_checkpoint,
                'aligned_version': self.aligned_version,
                'table': {'header': list(TABLE_HEADER), 'rows': [list(row) for row in rows]},
                'before': self.before.to_dict(), 'after': self.after.to_dict(),
                'iterations': self.iterations, 'hot_swaps': self.hot_swaps,
                'live_episodes': self.live_episodes, 'timings_s': self.timings,
                'settings': self.settings}


def format_value(key: str, value: float) -> str:
    """Return ``value`` as the table shows it: rates in percent, counts with two decimals."""
    return f'{100.0 * value:.1f} %' if key.endswith('_rate') else f'{value:.2f}'


def format_change(key: str, before: float, after: float) -> str:
    """Return the signed change after − before (rates in percentage points)."""
    if key.endswith('_rate'):
        return f'{100.0 * (after - before):+.1f} pts'
    return f'{after - before:+.2f}'


def comparison_rows(before: EvaluationResult, after: EvaluationResult) -> List[tuple]:
    """Return the table rows (metric, before, after, change) as display strings."""
    if before.seeds != after.seeds:
        raise ValueError(f'before/after were evaluated on different seeds: {before.seeds} vs '
                         f'{after.seeds}')
    rows = []
    old, new = before.metrics(), after.metrics()
    for key, label, _ in TABLE_METRICS:
        rows.append((label, format_value(key, old[key]), format_value(key, new[key]),
                     format_change(key, old[key], new[key])))
    return rows


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return a GitHub markdown table."""
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(str(cell) for cell in row) + ' |' for row in rows]
    return '\n'.join(lines)


def plot_alignment(iterations: Sequence[dict], path: Path) -> None:
    """
    Write violation rate and mean cost per iteration (trainer's AlignmentStatus) to a PNG.

    ``iterations`` are dicts with ``iteration`` (1-based), ``violation_rate``, ``mean_cost`` and
    ``rolled_back`` (the monotone-improvement gate restored the previous weights).
    """
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot
    figure, rate_axis = pyplot.subplots(figsize=(6.4, 3.8))
    numbers = [record['iteration'] for record in iterations]
    rate_axis.plot(numbers, [r['violation_rate'] for r in iterations], 'o-', color='tab:red',
                   label='violation rate')
    rate_axis.set_xlabel('PACT iterations done')
    rate_axis.set_ylabel('on-policy violation rate', color='tab:red')
    rate_axis.set_ylim(bottom=0.0)
    cost_axis = rate_axis.twinx()
    costs = [r['mean_cost'] for r in iterations]
    cost_axis.plot(numbers, costs, 's--', color='tab:blue', label='mean cost')
    rolled_back = [index for index, record in enumerate(iterations) if record.get('rolled_back')]
    if rolled_back:
        cost_axis.plot([numbers[i] for i in rolled_back], [costs[i] for i in rolled_back], 'kx',
                       markersize=10, label='gate rolled the previous model back')
        cost_axis.legend(loc='lower right', fontsize='small')
    cost_axis.set_ylabel('mean constraint cost', color='tab:blue')
    rate_axis.set_title('Alignment progress (trainer AlignmentStatus)')
    if numbers:
        rate_axis.set_xticks(numbers)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def key_frames(frames: Sequence[np.ndarray], count: int = 4) -> np.ndarray:
    """Return ``count`` evenly spaced frames side by side, shape (H, count * W, 3)."""
    if not frames:
        raise ValueError('no frames to show')
    picks = np.linspace(0, len(frames) - 1, min(count, len(frames))).round().astype(int)
    return np.concatenate([frames[i] for i in picks], axis=1)


def write_frames(folder: Path, name: str, episode: EpisodeFrames) -> Dict[str, str]:
    """Write ``<name>.png`` (key frames) and ``<name>.gif``; return their relative paths."""
    import imageio.v2 as imageio
    folder.mkdir(parents=True, exist_ok=True)
    imageio.imwrite(folder / f'{name}.png', key_frames(episode.frames))
    imageio.mimsave(folder / f'{name}.gif', list(episode.frames), duration=0.2, loop=0)
    return {'strip': f'{folder.name}/{name}.png', 'gif': f'{folder.name}/{name}.gif'}


def verdict(episode: EpisodeFrames) -> str:
    """Return a one-line description of an episode's outcome."""
    events = {k: v for k, v in episode.events_by_type.items() if v}
    described = ', '.join(f'{k}={v}' for k, v in sorted(events.items())) or 'no safety event'
    return f'{"success" if episode.success else "no success"}; {described}'


def report_markdown(record: DemoRecord, frame_files: Dict[str, Dict[str, str]],
                    frames: Dict[str, EpisodeFrames]) -> str:
    """Return the text of REPORT.md."""
    seeds = record.before.seeds
    lines = [f'# PACT MuJoCo demo: task `{record.task}`', '',
             f'Base checkpoint `{record.base_checkpoint}`; aligned checkpoint '
             f'`{record.aligned_checkpoint}` (version `{record.aligned_version}`).', '',
             f'## Before / after ({len(seeds)} episodes, layout seeds {seeds[0]}..{seeds[-1]}, '
             "judged by pact_sim's safety judge)", '',
             markdown_table(TABLE_HEADER, comparison_rows(record.before, record.after)), '',
             '## Alignment iterations (trainer AlignmentStatus)', '',
             '![alignment](alignment.png)', '']
    columns = ('iteration', 'model_version', 'env_steps', 'violation_rate', 'mean_cost',
               'kl_proxy', 'rolled_back', 'wall_time')
    lines.append(markdown_table(columns, [[_cell(r.get(c)) for c in columns]
                                          for r in record.iterations]))
    lines += ['', f'Episodes the live graph (sim node) finished while aligning: '
                  f'{record.live_episodes}.', '',
              '## Hot swaps observed in the running policy node', '']
    lines.append(markdown_table(('model version active', 'seconds since the graph started'),
                                [[s['version'], f"{s['wall_s']:.1f}"] for s in record.hot_swaps]))
    if frames:
        lines += ['', '## Same layout seed before and after', '']
        for name, episode in frames.items():
            files = frame_files[name]
            lines += [f'**{name}** (seed {episode.seed}: {verdict(episode)}; '
                      f'[animation]({files["gif"]}))', '', f'![{name}]({files["strip"]})', '']
    lines += ['## Timing', '', markdown_table(('phase', 'seconds'), [
        [phase, f'{seconds:.1f}'] for phase, seconds in record.timings.items()]), '',
              '## Settings', '', '```json', json.dumps(record.settings, indent=1), '```', '']
    return '\n'.join(lines)


def _cell(value) -> str:
    if isinstance(value, float):
        return f'{value:.4g}'
    return '' if value is None else str(value)


def write_report(folder: Path, record: DemoRecord,
                 frames: Dict[str, EpisodeFrames] = None) -> Path:
    """Write REPORT.md, alignment.png, frames/ and results.json into ``folder``; return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = frames or {}
    frame_files = {name: write_frames(folder / 'frames', name, episode)
                   for name, episode in frames.items()}
    plot_alignment(record.iterations, folder / 'alignment.png')
    (folder / 'REPORT.md').write_text(report_markdown(record, frame_files, frames))
    data = record.to_dict()
    data['frames'] = {name: {'seed': episode.seed, 'success': episode.success,
                             'events_by_type': episode.events_by_type, **frame_files[name]}
                      for name, episode in frames.items()}
    (folder / 'results.json').write_text(json.dumps(data, indent=1))
    return folder / 'REPORT.md'
