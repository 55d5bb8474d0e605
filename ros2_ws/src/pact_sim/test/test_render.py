# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Rendering: frames show the world from the camera, violations are red, files are written."""

import imageio.v2 as imageio
import numpy as np
from pact_sim.core.render import (CameraPose, record_episode_frames, save_frames, SceneCamera,
                                  SoftwareRenderer)
from pact_sim.core.sim_env import SimEnv
from pact_sim.render_episode import main as render_episode_main
import pytest

pytestmark = pytest.mark.sim


@pytest.fixture(scope='module')
def env():
    world = SimEnv('reach')
    world.reset(0)
    return world


def red_pixels(image):
    image = image.astype(int)
    red, green, blue = image[..., 0], image[..., 1], image[..., 2]
    return int(np.sum((red > 90) & (red > 2.5 * green) & (red > 2.5 * blue)))


def test_software_image_shows_the_table_where_the_camera_projects_it(env):
    renderer = SoftwareRenderer(env.model, 160, 120)
    camera = CameraPose(lookat=(0.6, 0.0, 0.0), azimuth=0.0, elevation=-90.0 + 1e-3,
                        distance=1.0, fovy=60.0)
    image = renderer.render(env.data, camera)
    assert image.shape == (120, 160, 3) and image.dtype == np.uint8
    # Looking straight down at the table centre: the centre pixel is table-coloured (brown).
    red, green, blue = image[60, 80].astype(int)
    assert red > green > blue


def test_robot_motion_changes_the_picture_and_highlight_is_red(env):
    camera = SceneCamera(env.model, 200, 150, backend='software')
    before = camera.render(env.data)
    env.step_row(env.sim.home + np.array([0.8, 0, 0, 0, 0, 0, 0, 0]))
    after = camera.render(env.data)
    assert np.mean(np.any(before != after, axis=-1)) > 0.01
    forearm = env.model.body('panda_link4').id
    assert red_pixels(camera.render(env.data, [forearm])) > red_pixels(after) + 50


def test_episode_frames_and_gif_are_written(tmp_path):
    world = SimEnv('reach')
    world.reset(0)
    row = world.sim.home.copy()
    row[1] = 1.0
    rows = np.repeat(row[None], 12, axis=0)
    frames = record_episode_frames(world, rows, SceneCamera(world.model, 160, 120), stride=3)
    path = save_frames(frames, tmp_path)
    assert path.is_file() and len(list(tmp_path.glob('frame_*.png'))) == len(frames) >= 4
    assert imageio.imread(tmp_path / 'frame_000.png').shape == (120, 160, 3)
    assert max(red_pixels(frame) for frame in frames) > 20     # the collision is highlighted


def test_render_episode_command(tmp_path, capsys):
    assert render_episode_main(['--task', 'carry', '--seed', '1', '--out', str(tmp_path),
                                '--width', '160', '--height', '120', '--stride', '10']) == 0
    assert (tmp_path / 'episode.gif').is_file()
    assert 'renderer' in capsys.readouterr().out
