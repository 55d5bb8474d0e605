# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Write ROS 2 messages to MCAP files (pure-Python ``mcap`` writer, CDR payloads, ros2msg schemas).

Files follow the rosbag2 MCAP conventions, so standard tools (``mcap info``, Foxglove,
``mcap_ros2.reader``) decode them: schema name ``pkg/msg/Type``, encoding ``ros2msg``, schema
text = the type's .msg followed by each nested type's .msg, each after a line of 80 '='
and a ``MSG: pkg/Type`` line; channel message encoding ``cdr`` (``rclpy.serialization``).
The .msg sources are read from ``share/<pkg>/msg`` of the ament prefixes.
"""

import os
from pathlib import Path
import re
import time

from mcap.writer import Writer

PRIMITIVES = {'bool', 'byte', 'char', 'float32', 'float64', 'int8', 'uint8', 'int16', 'uint16',
              'int32', 'uint32', 'int64', 'uint64', 'string', 'wstring'}
SEPARATOR = '=' * 80


def find_msg_file(package: str, name: str) -> Path:
    """Return share/<package>/msg/<name>.msg from AMENT_PREFIX_PATH or raise FileNotFoundError."""
    for prefix in os.environ.get('AMENT_PREFIX_PATH', '').split(os.pathsep):
        path = Path(prefix) / 'share' / package / 'msg' / f'{name}.msg'
        if path.is_file():
            return path
    raise FileNotFoundError(f'{package}/msg/{name}.msg not found on AMENT_PREFIX_PATH')


def _field_types(text: str, package: str) -> list:
    """Return the nested ``pkg/Type`` names used by the fields of a .msg text."""
    nested = []
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if not line or re.match(r'^\S+\s+\S+\s*=', line):   # empty or a constant
            continue
        base = re.sub(r'\[.*\]$', '', line.split()[0])
        base = re.sub(r'<=\d+', '', base)
        if base in PRIMITIVES:
            continue
        nested.append(base if '/' in base else f'{package}/{base}')
    return nested


def ros2_msgdef(type_name: str) -> str:
    """Return the full ros2msg schema text of ``pkg/msg/Type`` (or ``pkg/Type``)."""
    package, _, name = type_name.replace('/msg/', '/').partition('/')
    text = find_msg_file(package, name).read_text()
    parts, seen, queue = [text], {f'{package}/{name}'}, _field_types(text, package)
    while queue:
        nested = queue.pop(0)
        if nested in seen:
            continue
        seen.add(nested)
        nested_package, _, nested_name = nested.partition('/')
        nested_text = find_msg_file(nested_package, nested_name).read_text()
        parts.append(f'{SEPARATOR}\nMSG: {nested}\n{nested_text}')
        queue.extend(_field_types(nested_text, nested_package))
    return '\n'.join(parts)


class McapLog:
    """An MCAP file receiving CDR-serialised messages on named topics."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = open(self.path, 'wb')
        self._writer = Writer(self._stream)
        self._writer.start(profile='ros2', library='pact_trainer')
        self._schemas, self._channels = {}, {}
        self.count = 0

    def write(self, topic: str, type_name: str, cdr: bytes, stamp_ns: int = None) -> None:
        """Append one serialised message (``type_name`` as ``pkg/msg/Type``)."""
        if type_name not in self._schemas:
            self._schemas[type_name] = self._writer.register_schema(
                type_name, 'ros2msg', ros2_msgdef(type_name).encode())
        if topic not in self._channels:
            self._channels[topic] = self._writer.register_channel(
                topic, 'cdr', self._schemas[type_name])
        now = time.time_ns() if stamp_ns is None else stamp_ns
        self._writer.add_message(self._channels[topic], log_time=now, data=cdr,
                                 publish_time=now, sequence=self.count)
        self.count += 1

    def close(self) -> None:
        """Finish the file (index + footer)."""
        if self._stream.closed:
            return
        self._writer.finish()
        self._stream.close()
