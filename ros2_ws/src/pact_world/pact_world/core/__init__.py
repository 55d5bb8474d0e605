# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""ROS-free world model: scenes, poses, robot descriptions (numpy and PyYAML only)."""
