# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""The world model and robot assets every package shares: ROS-free core, message conversion."""
