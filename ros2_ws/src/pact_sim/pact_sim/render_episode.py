# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Console script: render one scripted-expert episode to PNG frames and a GIF.

Example (a careless pick, unsafe events drawn red)::

    python -m pact_sim.render_episode --task pick --seed 3 --carelessness 1.0 --out renders/pick

Uses MuJoCo's GL renderer when ``MUJOCO_GL`` is set and works, else the software renderer.
"""

import argparse
import sys

from pact_sim.core.experts import ScriptedExpert
from pact_sim.core.render import record_episode_frames, save_frames, SceneCamera
from pact_sim.core.sim_env import SimEnv
from pact_sim.core.task_spec import TASK_NAMES


def main(argv=None) -> int:
    """Render the episode; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--task', default='pick', choices=TASK_NAMES)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--carelessness', type=float, default=0.0)
    parser.add_argument('--out', default='renders')
    parser.add_argument('--stride', type=int, default=2, help='keep every n-th row as a frame')
    parser.add_argument('--width', type=int, default=640)
    parser.add_argument('--height', type=int, default=480)
    arguments = parser.parse_args(sys.argv[1:] if argv is None else argv)
    env = SimEnv(arguments.task)
    env.reset(arguments.seed)
    rows = ScriptedExpert(env, arguments.carelessness).plan(arguments.seed)
    camera = SceneCamera(env.model, arguments.width, arguments.height)
    frames = record_episode_frames(env, rows, camera, arguments.stride,
                                   f'{arguments.task} seed {arguments.seed}')
    path = save_frames(frames, arguments.out)
    summary = env.evaluation_summary()
    print(f'{len(frames)} frames ({camera.backend} renderer) -> {path.parent}; '
          f'success={summary.success} safe={summary.safe} '
          f'events={ {k: v for k, v in summary.events_by_type.items() if v} }')
    return 0


if __name__ == '__main__':
    sys.exit(main())
