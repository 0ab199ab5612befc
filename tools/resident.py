"""Keeping an index's hot files in RAM: each file mapped with MAP_POPULATE (read whole at once, not a page at a
time as searches fault them in) and, when asked, locked there (``mlock``) for as long as it is held, so the OS never
drops those pages under pressure and a search never waits on the disk (a major page fault). Qdrant's own mappings of
the same files then find the pages in the page cache: a minor fault each, once.

The pages are the page cache's: processes mapping the same files share them (``Pss`` counts each process's share)."""

from __future__ import annotations

import ctypes
import logging
import mmap
import os
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def _libc():
    return ctypes.CDLL(None, use_errno=True)


class Held:
    """Files and mapped arrays read into RAM and, with ``lock``, locked there until :meth:`release`."""

    def __init__(self, lock: bool = True):
        self.lock = lock
        self._maps: list[mmap.mmap] = []
        self._locked: list[tuple[int, int]] = []  # (address, length) locked
        self.bytes = 0  # read in
        self.locked_bytes = 0
        self.seconds = 0.0  # wall time of the reads
        self.cpu_seconds = 0.0
        self.failed: list[str] = []  # what could not be locked (a limit on locked memory): read in, not locked

    def _lock(self, address: int, length: int, what: str) -> None:
        if not self.lock or not length:
            return
        if _libc().mlock(ctypes.c_void_p(address), ctypes.c_size_t(length)) != 0:
            err = ctypes.get_errno()
            self.failed.append(f"{what}: {os.strerror(err)}")
            log.warning("could not lock %s in RAM (%s): read in, not locked", what, os.strerror(err))
            return
        self._locked.append((address, length))
        self.locked_bytes += length

    def file(self, path: Path) -> None:
        """Map ``path`` whole with its pages read in (MAP_POPULATE) and lock them when asked."""
        size = Path(path).stat().st_size
        if not size:
            return
        c0, t0 = time.process_time(), time.perf_counter()
        with open(path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ)
        self._maps.append(mm)
        view = np.frombuffer(mm, dtype=np.uint8)
        self._lock(view.ctypes.data, size, str(path))
        del view
        self.bytes += size
        self.seconds += time.perf_counter() - t0
        self.cpu_seconds += time.process_time() - c0

    def array(self, values: np.ndarray, what: str = "array") -> None:
        """Read a (memory-mapped) array's pages in and lock them when asked: the array stays as it is."""
        c0, t0 = time.process_time(), time.perf_counter()
        flat = values.reshape(-1).view(np.uint8) if values.flags.c_contiguous else None
        if flat is None:
            raise ValueError(f"{what}: only a contiguous array can be held")
        base = getattr(values, "_mmap", None)
        if base is not None:
            base.madvise(mmap.MADV_WILLNEED)
        int(flat[:: mmap.PAGESIZE].sum())  # every page read once, now
        self._lock(flat.ctypes.data, flat.nbytes, what)
        self.bytes += flat.nbytes
        self.seconds += time.perf_counter() - t0
        self.cpu_seconds += time.process_time() - c0

    def release(self) -> None:
        libc = _libc() if self._locked else None
        for address, length in self._locked:
            libc.munlock(ctypes.c_void_p(address), ctypes.c_size_t(length))
        self._locked.clear()
        for mm in self._maps:
            mm.close()
        self._maps.clear()
        self.bytes = self.locked_bytes = 0

    def report(self) -> dict[str, float]:
        return {"mb": round(self.bytes / 1e6, 1), "locked_mb": round(self.locked_bytes / 1e6, 1),
                "seconds": round(self.seconds, 2), "cpu_seconds": round(self.cpu_seconds, 2),
                "failed": list(self.failed)}  # fmt: skip
