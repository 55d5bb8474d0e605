# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Choose MuJoCo's OpenGL back end before ``mujoco`` is imported.

MuJoCo reads ``MUJOCO_GL`` once, when the module is imported, and defaults to GLFW, which needs
a display. On a headless machine with an EGL library (Mesa's software EGL is enough) offscreen
rendering works through ``MUJOCO_GL=egl``, so that is selected when nobody chose otherwise.
Without libEGL nothing is set and rendering falls back to the CPU renderer of ``core.render``.
"""

import ctypes.util
import os


def prefer_egl_when_headless(environ=os.environ) -> str:
    """
    Set ``MUJOCO_GL=egl`` when unset, without a display, and libEGL is present.

    Return the value of ``MUJOCO_GL`` afterwards ('' when unset).
    """
    if 'MUJOCO_GL' not in environ and not environ.get('DISPLAY') \
            and ctypes.util.find_library('EGL'):
        environ['MUJOCO_GL'] = 'egl'
    return environ.get('MUJOCO_GL', '')
