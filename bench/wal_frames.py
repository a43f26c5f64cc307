"""What a running hub's commits write: WAL frames per commit, by table and index.

Run it beside a loaded hub (``opendcc bench --data DIR`` or ``opendcc serve --data DIR``):

    python bench/wal_frames.py DIR/hub.sqlite [--wait 10] [--samples 5]

Each sample reads the WAL file as it stands (the frames since the last checkpoint restarted
it, about a second's worth under load), keeps the frames of complete commits of the current
WAL generation (the salt in each frame header must match the WAL header's), and names each
frame's page through SQLite's ``dbstat`` table on a read-only connection. It prints frames
per commit and, per table or index, the pages per commit. A page written twice in one commit
is counted twice (SQLite appends a frame each time).
"""

from __future__ import annotations

import argparse
import sqlite3
import struct
import time
from collections import Counter
from pathlib import Path

_WAL_HEADER = 32
_FRAME_HEADER = 24


def commits(wal: bytes) -> list[list[int]]:
    """The page numbers of each complete commit in ``wal`` (a WAL file's bytes)."""
    if len(wal) < _WAL_HEADER:
        return []
    magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">IIIIII", wal[:24])
    if magic not in (0x377F0682, 0x377F0683):
        raise ValueError("not a WAL file")
    frame = _FRAME_HEADER + page_size
    done: list[list[int]] = []
    current: list[int] = []
    offset = _WAL_HEADER
    while offset + frame <= len(wal):
        page, size_after, s1, s2 = struct.unpack(">IIII", wal[offset : offset + 16])
        if (s1, s2) != (salt1, salt2):
            break  # an older generation's frame: the current WAL ends here
        current.append(page)
        if size_after:  # a commit frame
            done.append(current)
            current = []
        offset += frame
    return done


def page_owners(db: Path) -> dict[int, str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT pageno, name FROM dbstat"))
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--wait", type=float, default=0.0, help="seconds before the first")
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between samples")
    args = parser.parse_args()
    time.sleep(args.wait)
    wal_path = Path(f"{args.db}-wal")
    total_commits = 0
    total_frames = 0
    by_owner: Counter[str] = Counter()
    for sample in range(args.samples):
        if sample:
            time.sleep(args.every)
        found = commits(wal_path.read_bytes())
        owners = page_owners(args.db)
        frames = sum(len(c) for c in found)
        total_commits += len(found)
        total_frames += frames
        for c in found:
            for page in c:
                by_owner[owners.get(page, "(new or free page)")] += 1
        per = frames / len(found) if found else 0.0
        print(f"sample {sample + 1}: {len(found)} commits, {frames} frames, {per:.1f} per commit")
    if not total_commits:
        print("no complete commits in the WAL")
        return
    print(f"all: {total_commits} commits, {total_frames / total_commits:.1f} frames per commit")
    for owner, count in by_owner.most_common():
        print(f"  {count / total_commits:6.2f}  {owner}")


if __name__ == "__main__":
    main()
