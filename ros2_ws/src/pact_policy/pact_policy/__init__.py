# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Diffusion and flow-matching robot policies and the lifecycle policy node."""
