# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""How every PACT node process joins the ROS graph, spins and stops: one copy for all packages."""
