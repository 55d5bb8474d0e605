# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Sim evaluation, the sim rollout source and the MuJoCo demo application of PACT-ROS."""
