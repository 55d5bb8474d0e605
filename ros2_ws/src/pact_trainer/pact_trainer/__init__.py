# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""PACT alignment: safe teacher, distillation, on-policy loop, baselines, trainer node."""
