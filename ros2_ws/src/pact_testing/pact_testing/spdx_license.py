# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Our Apache-2.0 header in its SPDX short form, as a licence known to the real ament_copyright.

Every source file of the project starts with two comment lines, ``# Copyright <year> <holder>``
and ``# SPDX-License-Identifier: Apache-2.0``, instead of the 11-line Apache boilerplate that
ament_copyright 0.17 recognises. ament_copyright learns licences through its
``ament_copyright.license`` entry point group; setup.py registers ``apache2_spdx`` there, so the
linter itself (copyright notice, licence, order) checks our files. Imported only by
ament_copyright.
"""

from ament_copyright.licenses import apache2, LicenseEntryPoint

apache2_spdx = LicenseEntryPoint(
    name='Apache License, Version 2.0 (SPDX short identifier)', spdx='Apache-2.0',
    file_headers=['{copyright}\nSPDX-License-Identifier: Apache-2.0\n'],
    license_files=apache2.license_files, contributing_files=apache2.contributing_files)
