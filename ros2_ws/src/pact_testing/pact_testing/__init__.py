# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Test support shared by the PACT-ROS packages (never imported by product code)."""
