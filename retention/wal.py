"""WAL segment names as numbers: ``TTTTTTTTLLLLLLLLSSSSSSSS`` (timeline, log, segment), hex.

A segment's *position* is ``log * segments_per_log + segment``, comparable across timelines, so WAL
can be planned as integer ranges instead of one name at a time.
"""

from __future__ import annotations

import re

DEFAULT_SEGMENTS_PER_LOG = 256  # 2**32 / 16 MiB, PostgreSQL's default segment size
_NAME = re.compile(r"^[0-9A-Fa-f]{24}$")


def parse_segment(name: str, segments_per_log: int = DEFAULT_SEGMENTS_PER_LOG) -> tuple[int, int]:
    """(timeline, position) of a segment name; ValueError when it is not one."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(name)
    timeline, log, segment = int(name[:8], 16), int(name[8:16], 16), int(name[16:], 16)
    if timeline == 0 or segment >= segments_per_log:
        raise ValueError(name)
    return timeline, log * segments_per_log + segment


def segment_name(timeline: int, position: int,
                 segments_per_log: int = DEFAULT_SEGMENTS_PER_LOG) -> str:
    log, segment = divmod(position, segments_per_log)
    return f"{timeline:08X}{log:08X}{segment:08X}"
