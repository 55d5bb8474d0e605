# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Embedded MuJoCo simulator for PACT (core/ is ROS-free; *_node.py are the rclpy wrappers)."""

from pact_sim.core.gl_backend import prefer_egl_when_headless

# Must run before any module of this package imports mujoco (see core/gl_backend.py).
prefer_egl_when_headless()
