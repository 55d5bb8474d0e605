# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""
Write ROS 2 messages to MCAP files (pure-Python ``mcap`` writer, CDR payloads, ros2msg schemas).

Files follow the rosbag2 MCAP conventions, so standard tools (``mcap info``, Foxglove,
``mcap_ros2.reader``) decode them: schema name ``pkg/msg/Type``, encoding ``ros2msg``, schema
text = the type's .msg followed by each nested type's .msg, each after a line of 80 '='
and a ``MSG: pkg/Type`` line; channel message encoding ``cdr`` (``rclpy.serialization``).
The .msg sources are read from ``share/<pkg>/msg`` of the ament prefixes.

Crash safety: the writer closes its chunk and flushes it to the file at least every
``flush_period_s`` (0.5 s) while messages arrive, and ``flush_if_due`` lets an idle caller do
the same, so a kill -9 loses at most the last ``flush_period_s`` of messages. A file cut off
that way has no summary or footer, which the stock readers refuse; ``recover`` rewrites it
from every complete record into a finished file (the trainer runs it over its log folder at
start-up; ``python -m pact_trainer.mcap_log --recover FILE...`` does it by hand).
"""

import argparse
import os
from pathlib import Path
import re
import time

from mcap.records import Channel, Message, Schema
from mcap.stream_reader import StreamReader
from mcap.writer import Writer

MCAP_MAGIC = b'\x89MCAP0\r\n'

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

    def __init__(self, path: Path, flush_period_s: float = 0.5):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = open(self.path, 'wb')
        self._writer = Writer(self._stream)
        self._writer.start(profile='ros2', library='pact_trainer')
        self._schemas, self._channels = {}, {}
        self.count = 0
        self.flush_period_s = float(flush_period_s)
        self._flushed_count, self._flushed_at = 0, time.monotonic()

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
        self.flush_if_due()

    def flush_if_due(self) -> None:
        """Close the chunk and write it out when unflushed messages are flush_period_s old."""
        if self._stream.closed or self.count == self._flushed_count:
            return
        if time.monotonic() - self._flushed_at >= self.flush_period_s:
            self._writer.flush()
            self._flushed_count, self._flushed_at = self.count, time.monotonic()

    def close(self) -> None:
        """Finish the file (index + footer)."""
        if self._stream.closed:
            return
        self._writer.finish()
        self._stream.close()


def is_finished(path: Path) -> bool:
    """Return True when the MCAP file ends with the closing magic (it has a footer)."""
    path = Path(path)
    size = path.stat().st_size
    if size < 2 * len(MCAP_MAGIC):
        return False
    with open(path, 'rb') as stream:
        stream.seek(size - len(MCAP_MAGIC))
        return stream.read() == MCAP_MAGIC


def _complete_records(path: Path):
    """Yield the records of an MCAP file up to the first incomplete or corrupt one."""
    with open(path, 'rb') as stream:
        records = StreamReader(stream).records
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except Exception:  # noqa: B902 — the cut-off tail: stop at the last whole record
                return
            yield record


def recover(path: Path) -> int:
    """
    Rewrite an unfinished MCAP file (e.g. after a kill -9) as a finished one; return messages.

    Every complete record is kept (schemas, channels, messages with their times); the file is
    replaced atomically. A finished file is left alone (returns -1).
    """
    path = Path(path)
    if is_finished(path):
        return -1
    temporary = path.with_name(path.name + '.recovering')
    count = 0
    with open(temporary, 'wb') as stream:
        writer = Writer(stream)
        writer.start(profile='ros2', library='pact_trainer (recovered)')
        schemas, channels = {}, {}
        for record in _complete_records(path):
            if isinstance(record, Schema) and record.id not in schemas:
                schemas[record.id] = writer.register_schema(record.name, record.encoding,
                                                            record.data)
            elif isinstance(record, Channel) and record.id not in channels:
                channels[record.id] = writer.register_channel(
                    record.topic, record.message_encoding, schemas.get(record.schema_id, 0),
                    record.metadata)
            elif isinstance(record, Message) and record.channel_id in channels:
                writer.add_message(channels[record.channel_id], log_time=record.log_time,
                                   data=record.data, publish_time=record.publish_time,
                                   sequence=record.sequence)
                count += 1
        writer.finish()
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    return count


def recover_folder(folder: Path) -> dict:
    """Recover every unfinished ``*.mcap`` in ``folder``; return {file name: messages kept}."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    recovered = {}
    for path in sorted(folder.glob('*.mcap')):
        count = recover(path)
        if count >= 0:
            recovered[path.name] = count
    return recovered


def read_messages(folder: Path, topics, after_ns: int = -1):
    """
    Yield (topic, log time ns, CDR bytes) of the messages on ``topics`` in ``folder``'s files.

    Only finished files are read (run ``recover_folder`` first), oldest file first; messages
    logged at or before ``after_ns`` are skipped.
    """
    from mcap.reader import make_reader
    for path in sorted(Path(folder).glob('*.mcap')):
        if not is_finished(path):
            continue
        with open(path, 'rb') as stream:
            for _, channel, message in make_reader(stream).iter_messages(topics=list(topics)):
                if message.log_time > after_ns:
                    yield channel.topic, message.log_time, message.data


def main(argv=None) -> int:
    """``python -m pact_trainer.mcap_log --recover FILE...``: finish files cut off by a crash."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--recover', nargs='+', type=Path, required=True, metavar='FILE')
    arguments = parser.parse_args(argv)
    for path in arguments.recover:
        count = recover(path)
        print(f'{path}: ' + ('already finished' if count < 0 else f'{count} messages kept'))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
