# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""ROS-free policy library: schedules, denoisers, normalisers, samplers, checkpoints, safety."""
