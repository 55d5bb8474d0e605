# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
What the README says about SROS2 holds for the Fast DDS we install.

The PyPI ``ros-fastrtps`` wheel is built without the DDS Security plugins (no builtin
PKI-DH authentication, access control or AES-GCM-GMAC cryptography), so a ROS 2 graph
started from our wheels cannot be secured with SROS2 enclaves. If a later wheel ships the
plugins, this test fails: then add the secured-graph test and update the README section
"Security and failure model".
"""

import pathlib
import sys

SECURITY_PLUGIN_MARKERS = (b'DDS:Auth:PKI-DH', b'DDS:Access:Permissions',
                           b'DDS:Crypto:AES-GCM-GMAC')


def fast_dds_library() -> pathlib.Path:
    """Return the Fast DDS shared library of the interpreter's environment."""
    candidates = sorted((pathlib.Path(sys.prefix) / 'lib').glob('libfastrtps.so.*'))
    candidates += sorted(pathlib.Path('/opt/ros/jazzy/lib').glob('libfastrtps.so.*'))
    assert candidates, f'no libfastrtps.so.* under {sys.prefix}/lib or /opt/ros/jazzy/lib'
    return max(candidates, key=lambda path: len(path.name))  # the fully versioned file


def test_the_wheel_fast_dds_has_no_security_plugins_as_the_readme_says():
    library = fast_dds_library()
    if not str(library).startswith(sys.prefix):
        return  # a system ROS 2 install: its Fast DDS is built with security (see README)
    data = library.read_bytes()
    assert not any(marker in data for marker in SECURITY_PLUGIN_MARKERS), (
        f'{library} now has the DDS Security plugins: SROS2 could be used; update the '
        'README section "Security and failure model" and add a secured-graph test')
    # The build's own words for security tokens it receives and cannot handle:
    assert b'Received PID_PERMISSIONS_TOKEN but security is disabled' in data, library
