# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""ROS-free parameter schemas: validation, dict/argparse input, YAML and markdown output."""
