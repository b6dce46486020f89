"""Start-up benchmark: how long `import transferkit` and the classroom mirror take, in fresh interpreters.

    python benchmarks/import_time.py

Prints one ``key: value`` line per figure: ``import_seconds`` (``import transferkit``, which loads
no TensorFlow), ``mirror_start_seconds`` (``python -m transferkit.mirror --help``, a whole process),
``first_tensorflow_name_seconds`` (``import transferkit`` then ``tk.load_backbone``: TensorFlow and
Keras load here) and ``exported_names`` (``len(transferkit.__all__)``). Each time is the best of
``ROUNDS`` fresh processes, so other load on the machine does not inflate it.
"""

from __future__ import annotations

import subprocess
import sys
import time

ROUNDS = 3


def best_seconds(code: str) -> float:
    """The shortest in-process time ``code`` takes to run, over ``ROUNDS`` fresh interpreters."""
    timed = f"import time\nt0 = time.perf_counter()\n{code}\nprint(time.perf_counter() - t0)"
    return min(float(subprocess.run([sys.executable, "-c", timed], capture_output=True, text=True, check=True)
                     .stdout.split()[-1]) for _ in range(ROUNDS))


def best_process_seconds(args: list[str]) -> float:
    """The shortest wall time of a whole process (interpreter start-up included), over ``ROUNDS`` runs."""
    times = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    check = "import sys\nimport transferkit\nassert 'tensorflow' not in sys.modules, 'import transferkit loaded TensorFlow'"
    print(f"import_seconds: {best_seconds(check):.3f}")
    print(f"mirror_start_seconds: {best_process_seconds(['-m', 'transferkit.mirror', '--help']):.3f}")
    print(f"python_start_seconds: {best_process_seconds(['-c', 'pass']):.3f}")
    print(f"first_tensorflow_name_seconds: {best_seconds('import transferkit as tk' + chr(10) + 'tk.load_backbone'):.2f}")
    names = subprocess.run([sys.executable, "-c", "import transferkit; print(len(transferkit.__all__))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    print(f"exported_names: {names}")


if __name__ == "__main__":
    main()
