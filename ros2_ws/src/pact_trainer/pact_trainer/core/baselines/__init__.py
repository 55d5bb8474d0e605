# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Baselines run beside PACT with the same rollout budget and constraint information."""
