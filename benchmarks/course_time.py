"""The course's cost on a laptop: time and peak memory of every English lesson, run headless, cold then warm.

    .venv/bin/python benchmarks/course_time.py                                  # the whole course, full mode
    .venv/bin/python benchmarks/course_time.py --notebooks 01_feature_extraction 03   # some lessons (name or number)
    .venv/bin/python benchmarks/course_time.py --quick --notebooks 01           # smoke run: TRANSFERKIT_QUICK=1

Run it with ``KERAS_HOME`` and ``TRANSFERKIT_DATA`` set as for the lessons (``make lab`` and CI set
``KERAS_HOME=$PWD/.keras TRANSFERKIT_DATA=../shared/data``): the ImageNet weights are read from
``$KERAS_HOME/models`` and the datasets from ``$TRANSFERKIT_DATA``, both left as they are. Without
them the cold run downloads into its temporary cache and its times include the downloads.

The lessons are ``notebooks/0*.ipynb`` in course order (not the solutions, not the translations in
``notebooks/<lang>/``). Each runs in a fresh ipykernel started with this script's interpreter (run
it with the course's ``.venv/bin/python``), in the notebook's folder, through nbclient, with no
time limit on a cell. Full mode by default: ``TRANSFERKIT_QUICK`` is removed from the kernels'
environment; ``--quick`` sets it to 1 instead. Nothing is written back to the notebooks.

1. **Cold**: the lessons run in order with ``TRANSFERKIT_CACHE`` pointing at a new, empty folder
   this script makes under the system's temporary folder (or ``--tmp-dir``). This is a student's
   first pass through the course: a later lesson finds what an earlier one of the same pass cached
   (02 the features 01 extracted, 04 the model 02 saved).
2. **Warm**: the same lessons again, in new kernels, with the same cache folder the cold pass filled.

Prints ``key: value`` lines, those of a lesson as soon as it has run:

* ``seconds_<notebook>_cold`` and ``seconds_<notebook>`` (warm): wall time from starting the kernel
  to the end of the last cell (kernel start-up included, the memory read-out below not);
* ``peak_rss_mb_<notebook>``: the kernel process's own peak resident memory (MB of 2**20 bytes), the
  larger of its cold and warm runs. After the last cell the script executes one extra cell in the
  same kernel that reports ``resource.getrusage(RUSAGE_SELF).ru_maxrss``; child processes (the setup
  cell's ``pip show``) are not counted;
* ``seconds_total_cold``, ``seconds_total`` (warm), ``peak_rss_mb_max`` (over the lessons run),
  ``cache_mb`` (the size of the cache the cold pass filled), ``mode`` and ``cpus``.

A lesson that fails stops the run: stderr names the lesson, the pass and the cell (its number among
all cells of the notebook, counting from 1) with the error, and the script exits with status 1.
Progress (one line per lesson and pass) goes to stderr. The times are inflated when other processes
share the CPU.

Deleted at the end, whatever happens: only the temporary folder this script made (the cache of
both passes, and the kernels' ``TMPDIR``, where lessons 02 and 05 make scratch folders). The user's
``TRANSFERKIT_CACHE``, ``KERAS_HOME`` and ``TRANSFERKIT_DATA`` are never written to by the script
nor deleted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
MIB = 2**20
PEAK_MARK = "course_time_peak_rss_bytes="
PEAK_CELL = ("import resource as _r, sys as _s\n"
             f"print('{PEAK_MARK}' + str(_r.getrusage(_r.RUSAGE_SELF).ru_maxrss"
             " * (1 if _s.platform == 'darwin' else 1024)))")  # Linux reports KiB, macOS bytes


class ThisInterpreterKernel(AsyncKernelManager):
    """ipykernel started with the interpreter running this script (the course's venv), whatever
    kernelspec named ``python3`` Jupyter's search path would find first."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file, *(extra_arguments or [])]


class LessonFailed(Exception):
    """A lesson stopped: which cell, and why."""


def lessons() -> list[Path]:
    """The English lessons in course order."""
    return sorted(NOTEBOOKS.glob("0*.ipynb"))


def pick_lessons(wanted: list[str] | None) -> list[Path]:
    """The lessons named (stem, file name, path or number prefix such as ``01``), in course order."""
    available = lessons()
    if not wanted:
        return available
    chosen = set()
    for item in (part for arg in wanted for part in arg.split(",") if part.strip()):
        name = Path(item.strip()).name.removesuffix(".ipynb")
        matches = [p for p in available if p.stem == name] or [p for p in available if p.stem.startswith(name)]
        if len(matches) != 1:
            names = ", ".join(p.stem for p in available)
            raise SystemExit(f"course_time: {item!r} names {'no' if not matches else 'more than one'} lesson; "
                             f"the lessons are {names}")
        chosen.add(matches[0])
    return [p for p in available if p in chosen]


def describe(cell_index: int, cell: nbformat.NotebookNode) -> str:
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {cell_index + 1} ({first[:80]!r})"


def run_lesson(path: Path, env: dict[str, str]) -> tuple[float, float]:
    """Runs one lesson in a fresh kernel: (seconds, peak RSS of the kernel process in MB)."""
    nb = nbformat.read(path, as_version=4)
    probe = nbformat.v4.new_code_cell(PEAK_CELL)
    client = NotebookClient(nb, timeout=None, kernel_name="python3", allow_errors=False,
                            kernel_manager_class=ThisInterpreterKernel, startup_timeout=300,
                            resources={"metadata": {"path": str(path.parent)}})
    index, cell = -1, None
    t0 = time.perf_counter()
    try:
        with client.setup_kernel(env=env):
            for index, cell in enumerate(list(nb.cells)):
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            seconds = time.perf_counter() - t0
            nb.cells.append(probe)
            index, cell = len(nb.cells) - 1, probe
            client.execute_cell(probe, index)
    except CellExecutionError as e:
        raise LessonFailed(f"{describe(index, cell)} raised {e.ename}: {e.evalue}\n{e}") from None
    except DeadKernelError as e:
        raise LessonFailed(f"the kernel died in {describe(index, cell)} (killed for lack of memory?): {e}") from None
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
    found = re.search(re.escape(PEAK_MARK) + r"(\d+)", text)
    if not found:
        raise LessonFailed(f"the memory read-out cell printed no figure: {probe.outputs}")
    return seconds, int(found.group(1)) / MIB


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / MIB


def progress(message: str) -> None:
    print(f"course_time: {message}", file=sys.stderr, flush=True)


def say(key: str, value: object) -> None:
    print(f"{key}: {value}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notebooks", nargs="+", metavar="NAME",
                    help="lessons to run (e.g. 01_feature_extraction or 01; default: every notebooks/0*.ipynb)")
    ap.add_argument("--quick", action="store_true", help="TRANSFERKIT_QUICK=1 in the kernels: a smoke run")
    ap.add_argument("--tmp-dir", type=Path, default=None,
                    help="where to make the temporary cache folder (default: the system's temporary folder)")
    args = ap.parse_args()

    chosen = pick_lessons(args.notebooks)
    for name in ("KERAS_HOME", "TRANSFERKIT_DATA"):
        if not os.environ.get(name):
            progress(f"warning: {name} is not set; the cold run may download into its temporary cache")

    work = Path(tempfile.mkdtemp(prefix="course_time-", dir=args.tmp_dir))
    try:
        cache, scratch = work / "cache", work / "tmp"
        cache.mkdir()
        scratch.mkdir()
        env = {**os.environ, "TRANSFERKIT_CACHE": str(cache), "TMPDIR": str(scratch)}
        env.pop("TRANSFERKIT_QUICK", None)
        if args.quick:
            env["TRANSFERKIT_QUICK"] = "1"
        progress(f"{len(chosen)} lesson(s), {'quick' if args.quick else 'full'} mode, "
                 f"kernel {sys.executable}, temporary cache {cache}")
        say("mode", "quick" if args.quick else "full")
        say("cpus", os.cpu_count())

        totals: dict[str, float] = {}
        peaks: dict[str, float] = {}
        for run in ("cold", "warm"):
            totals[run] = 0.0
            for i, path in enumerate(chosen, 1):
                tag = f"[{run} {i}/{len(chosen)}] {path.stem}"
                progress(f"{tag} ...")
                try:
                    seconds, peak = run_lesson(path, env)
                except LessonFailed as e:
                    progress(f"{tag} FAILED ({run} run, notebooks/{path.name}): {e}")
                    raise SystemExit(1) from None
                progress(f"{tag}: {seconds:.1f} s, kernel peak RSS {peak:.0f} MB")
                totals[run] += seconds
                peaks[path.stem] = max(peaks.get(path.stem, 0.0), peak)
                if run == "cold":
                    say(f"seconds_{path.stem}_cold", f"{seconds:.1f}")
                else:
                    say(f"seconds_{path.stem}", f"{seconds:.1f}")
                    say(f"peak_rss_mb_{path.stem}", f"{peaks[path.stem]:.0f}")
            if run == "cold":
                say("seconds_total_cold", f"{totals[run]:.1f}")
                say("cache_mb", f"{folder_mb(cache):.0f}")
        say("seconds_total", f"{totals['warm']:.1f}")
        say("peak_rss_mb_max", f"{max(peaks.values()):.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the folder made above, nothing else
        progress(f"removed the temporary folder {work}")


if __name__ == "__main__":
    main()
