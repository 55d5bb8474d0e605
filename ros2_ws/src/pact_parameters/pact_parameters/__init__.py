# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Parameter schemas of the PACT nodes and CLIs: ROS-free core, rclpy declaration layer."""
