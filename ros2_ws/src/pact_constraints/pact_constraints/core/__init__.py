# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""ROS-free constraint library: robot models, scene geometry, constraint values and gradients."""
