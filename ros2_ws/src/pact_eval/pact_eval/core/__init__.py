# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""ROS-free core of pact_eval (torch/numpy and the embedded simulator)."""
