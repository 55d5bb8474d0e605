# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Physical constraints from live robot state: ROS-free core (``core``) and the constraint node."""
