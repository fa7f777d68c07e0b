"""Processes against one store: two writers at once lose nothing, and a writer killed in the
middle of a save leaves a readable store holding only whole assessments."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import time
from pathlib import Path

import sqlalchemy as sa

from devoops.store import Store

from .support import BOOKMARKS, SAVER, count, findings_in, findings_rows, go, python, raw, wait_ready

SAVES = 25
PADDING = 40_000
"""Lines of comment added to the killed writer's workload text (about 1.7 MB): a save takes
long enough that a kill often lands inside one."""


def test_two_writers_at_once_lose_nothing(store_url: str, tmp_path: Path) -> None:
    workloads = [tmp_path / f"writer-{n}.yaml" for n in (1, 2)]
    for path in workloads:
        shutil.copy(BOOKMARKS, path)
    writers = [python(SAVER, store_url, str(path), str(SAVES), "0") for path in workloads]
    for w in writers:
        wait_ready(w)
    go(*writers)  # both have imported, assessed and opened the store: they save at the same time
    for w in writers:
        out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
        assert out.split() == [str(SAVES)]

    with Store(store_url) as store:
        entries = store.history()
        documents = {e.id: store.load(str(e.id)).assessment for e in entries}
        assert store.apps() == ["linkpile"]  # created once, though both writers began with it
    assert len(entries) == 2 * SAVES
    assert len({e.uid for e in entries}) == 2 * SAVES
    assert sorted(e.source for e in entries) == sorted(str(p) for p in workloads for _ in range(SAVES))
    with raw(store_url) as conn:
        assert findings_rows(conn) == {id: findings_in(doc) for id, doc in documents.items()}


def test_a_writer_killed_mid_save_leaves_only_whole_assessments(store_url: str) -> None:
    Store(store_url).close()  # created, so the watcher below can count from the start
    saved = 0
    with raw(store_url) as watcher:
        for more in (1, 3, 2):  # killed after different numbers of saves, at different moments
            writer = python(SAVER, store_url, str(BOOKMARKS), "0", str(PADDING))
            wait_ready(writer)
            go(writer)
            deadline = time.monotonic() + 60
            while count(watcher, "assessments") < saved + more:
                watcher.rollback()  # a fresh snapshot for the next look
                assert writer.poll() is None, writer.communicate()[1]
                assert time.monotonic() < deadline, "the writer saved nothing for a minute"
                time.sleep(0.005)
            watcher.rollback()
            os.kill(writer.pid, signal.SIGKILL)
            writer.communicate(timeout=30)
            assert writer.returncode == -signal.SIGKILL
            saved = count(watcher, "assessments")
            watcher.rollback()
    _assert_whole(store_url, saved)


def _assert_whole(url: str, at_least: int) -> None:
    """The store opens; every assessment in it is complete: its document loads, its findings
    rows are all there, its workload text is whole."""
    with raw(url) as conn:
        if conn.dialect.name == "sqlite":
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalars().all() == ["ok"]
    with Store(url) as store:
        entries = store.history()
        assert len(entries) >= at_least
        loaded = [store.load(str(e.id)) for e in entries]
    expected_text = BOOKMARKS.read_text() + "# padding to make each save take a while\n" * PADDING
    for stored in loaded:
        assert stored.workload_text == expected_text
    with raw(url) as conn:
        rows = findings_rows(conn)
        digests = set(conn.execute(sa.text("SELECT workload_sha256 FROM assessments")).scalars())
    assert rows == {s.entry.id: findings_in(s.assessment) for s in loaded}
    assert digests == {hashlib.sha256(expected_text.encode()).hexdigest()}
