# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Embedded MuJoCo simulator for PACT (core/ is ROS-free; *_node.py are the rclpy wrappers)."""
