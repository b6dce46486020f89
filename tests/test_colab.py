"""Colab: one install source, the setup cell, badges, photos in the package, honest dependencies.

Also run by `make test-colab` on Colab's versions (colab-constraints.txt), where the last tests check
that installing the kit kept those versions and that widgets and plots work with ipywidgets 7.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

from conftest import REPO, SHARED

NOTEBOOKS = REPO / "notebooks"
SETUP_MARK = "# Setup:"


def _tool():
    spec = importlib.util.spec_from_file_location("colab_tool", REPO / "tools" / "colab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pyproject() -> tuple[str, str]:
    text = (REPO / "pyproject.toml").read_text()
    url = re.search(r'^Repository\s*=\s*"([^"]+)"', text, re.M)[1]
    branch = re.search(r'^colab-branch\s*=\s*"([^"]+)"', text, re.M)[1]
    return url, branch


def _notebooks(root: Path = NOTEBOOKS) -> list[Path]:
    found = sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    assert found, f"no notebooks under {root}"
    return found


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _rest(cells: list[dict]) -> list[dict]:
    """The cells other than the badge and the setup cell (the first code cell)."""
    cells = cells[1:] if cells and _source(cells[0]).startswith("[![Open In Colab]") else cells
    first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    return cells[:first_code] + cells[first_code + 1:]


def _expected_link(notebook: Path) -> str:
    url, branch = _pyproject()
    owner_repo = url.removeprefix("https://github.com/").removesuffix(".git").strip("/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook.relative_to(REPO).as_posix()}"


# --------------------------------------------------------------------------- notebooks and README


def test_every_notebook_starts_with_its_badge_and_has_the_same_setup_cell():
    """The same setup cell in every notebook of a language: English, and each translation folder (notebooks/tl/)."""
    url, _ = _pyproject()
    tool = _tool()
    setups, by_language = {}, {}
    for path in _notebooks():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        badge = _source(cells[0])
        assert cells[0]["cell_type"] == "markdown" and badge.startswith("[![Open In Colab]"), f"{path.name}: no badge first"
        assert badge.endswith(f"]({_expected_link(path)})"), f"{path.name}: badge links {badge}"
        setup = next(c for c in cells if c["cell_type"] == "code")
        setups[path.relative_to(REPO).as_posix()] = _source(setup)
        by_language.setdefault(tool.language_of(path), set()).add(_source(setup))
        assert setup["outputs"] == [] and setup["execution_count"] is None
    for language, texts in by_language.items():
        assert texts == {tool.setup_source(url, language)}, f"setup cells of {language or 'English'} differ: {sorted(setups)}"
    text = by_language.pop(None).pop()
    assert text.startswith("import sys  " + SETUP_MARK) and f"git+{url}\"" in text
    install = text[text.index("pip install"):]
    assert "-qq" not in install and "--quiet" not in install  # one -q hides progress, never pip's errors
    assert text == tool.setup_source(url)
    for language in by_language:
        assert tool.setup_source(url, language) == text + f'; tk.set_language("{language}")'


def test_readme_badges_open_every_notebook_from_the_same_url():
    readme = (REPO / "README.md").read_text()
    for path in _notebooks():
        assert f"({_expected_link(path)})" in readme, f"README has no Colab link for {path.relative_to(REPO)}"
    links = re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", readme)
    assert links and all(link.startswith(_expected_link(NOTEBOOKS)[: -len("notebooks")]) for link in links)


def test_notebooks_and_readme_are_up_to_date_with_pyproject():
    stale = _tool().planned_changes()
    assert not stale, f"out of date, run `make colab-url`: {sorted(str(p) for p in stale)}"


def test_colab_url_rewrites_every_notebook_and_the_readme_and_only_the_two_cells(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "tl", "pcm"))
    shutil.copy(REPO / "README.md", root / "README.md")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    # a notebook in a sub-folder without badge or setup cell yet, and a Jupyter checkpoint to leave alone
    nested = root / "notebooks" / "solutions" / "07_extra.ipynb"
    nested.parent.mkdir(exist_ok=True)
    plain = {"cells": [
        {"cell_type": "markdown", "id": "a1", "metadata": {}, "source": ["# Title"]},
        {"cell_type": "code", "id": "b2", "metadata": {}, "execution_count": 3, "outputs": [], "source": ["import os"]},
        {"cell_type": "code", "id": "c3", "metadata": {}, "execution_count": None, "outputs": [], "source": ["x = 1"]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    nested.write_text(json.dumps(plain, indent=1) + "\n")
    checkpoint = root / "notebooks" / ".ipynb_checkpoints" / "01_feature_extraction-checkpoint.ipynb"
    checkpoint.parent.mkdir()
    checkpoint.write_text(json.dumps(plain, indent=1) + "\n")
    # a translation (notebooks/tl/, with locale/tl/ beside it) and a 3-letter folder that is no language
    translated = root / "notebooks" / "tl" / "01_feature_extraction.ipynb"
    translated.parent.mkdir()
    shutil.copy(NOTEBOOKS / "01_feature_extraction.ipynb", translated)
    (root / "locale" / "tl" / "LC_MESSAGES").mkdir(parents=True)
    not_a_language = root / "notebooks" / "lab" / "extra.ipynb"
    not_a_language.parent.mkdir()
    not_a_language.write_text(json.dumps(plain, indent=1) + "\n")
    tool = _tool()  # every function works on the repository it is given (here the copy), none keeps state
    before = {p: json.loads(p.read_text()) for p in tool.notebook_paths(root)}

    assert tool.main(["--url", "https://github.com/someone/fork-kit", "--branch", "spring"], root=root) == 0
    assert 'Repository = "https://github.com/someone/fork-kit"' in (root / "pyproject.toml").read_text()
    base = "https://colab.research.google.com/github/someone/fork-kit/blob/spring/"
    readme = (root / "README.md").read_text()
    assert "transfer-learning-kit" not in readme and f"({base}notebooks/01_feature_extraction.ipynb)" in readme
    header = next(line for line in readme.splitlines() if line.startswith("| notebook |"))
    assert header.endswith("| Colab | Colab (tl) |"), header
    row = next(line for line in readme.splitlines() if line.startswith("| `01_feature_extraction`"))
    assert row.endswith(f"| [Colab]({base}notebooks/tl/01_feature_extraction.ipynb) |"), row
    row = next(line for line in readme.splitlines() if line.startswith("| `02_"))
    assert row.endswith(".ipynb) |  |"), row  # no translation yet: an empty cell
    for path, old in before.items():
        cells = json.loads(path.read_text())["cells"]
        rel = path.relative_to(root).as_posix()
        assert _source(cells[0]).endswith(f"]({base}{rel})"), rel
        code = [c for c in cells if c["cell_type"] == "code"]
        assert 'git+https://github.com/someone/fork-kit"' in _source(code[0])
        last = _source(code[0]).splitlines()[-1]
        assert last == ('import transferkit as tk, keras; tk.set_language("tl")' if path == translated
                        else "import transferkit as tk, keras"), (rel, last)
        assert _rest(cells) == _rest(old["cells"]), f"{rel}: a cell other than the badge and setup changed"
    assert json.loads(nested.read_text())["cells"][3]["source"] == ["x = 1"]
    assert json.loads(checkpoint.read_text()) == plain  # checkpoints untouched
    # idempotent: a second run changes nothing
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert tool.main([], root=root) == 0 and tool.planned_changes(root=root) == {}
    assert snapshot == {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    with pytest.raises(SystemExit):
        tool.main(["--url", "https://gitlab.com/someone/kit"], root=root)  # Colab opens GitHub notebooks only


# --------------------------------------------------------------------------- the setup cell itself

_BLOCK = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == {name!r} or name.startswith({name!r} + "."):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, _Block())
"""


def _python(code: str, **env: str | None) -> subprocess.CompletedProcess:
    """Runs ``code`` in a fresh interpreter of this environment; ``NAME=None`` removes a variable."""
    environ = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          env=environ, cwd=REPO.parent)


def _ipython(cell: str, python: Path, block_kit: bool = False, **env: str) -> subprocess.CompletedProcess:
    """Runs ``cell`` as IPython runs a notebook cell (``!`` lines included), with ``sys.executable`` set
    to ``python``; ``block_kit`` makes ``import transferkit`` fail in that process, as where it is absent."""
    prelude = (_BLOCK.format(name="transferkit") if block_kit else "") + f"import sys; sys.executable = {str(python)!r}\n"
    environ = {**os.environ, "NO_COLOR": "1", **env}
    return subprocess.run([sys.executable, "-m", "IPython", "--quick", "--colors=nocolor", "-c", prelude + cell],
                          capture_output=True, text=True, timeout=600, env=environ, cwd=REPO.parent)


def _logging_python(tmp_path: Path, real: str) -> tuple[Path, Path]:
    """A stand-in interpreter that records its arguments in a log, then runs ``real`` with them."""
    log = tmp_path / "calls.log"
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, log


def test_setup_cell_is_three_lines_and_names_what_it_imports():
    lines = _tool().setup_source(_pyproject()[0]).splitlines()
    assert len(lines) <= 3, lines
    assert lines[-1] == "import transferkit as tk, keras"


def test_setup_cell_stops_with_pips_own_message_when_the_install_fails(tmp_path):
    """Where pip does not know the kit (a fresh venv, as in Colab), the cell runs pip; pip's error
    shows in the cell's output and the import after it stops the cell."""
    import venv

    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env)
    python, log = _logging_python(tmp_path, str(env / "bin" / "python"))
    missing = (tmp_path / "no-such-repository").as_uri()
    result = _ipython(_tool().setup_source(missing), python, block_kit=True)
    calls = log.read_text().splitlines()
    assert calls[0] == "-m pip show -qq transferkit" and calls[1].startswith("-m pip install -q transferkit[tensorflow] @ git+" + missing), calls
    output = result.stdout + result.stderr
    assert "ERROR" in output and "no-such-repository" in output, output  # pip's own words
    assert result.returncode != 0 and "ModuleNotFoundError: No module named 'transferkit'" in output, output


def test_setup_cell_only_imports_where_the_kit_is_installed(tmp_path):
    python, log = _logging_python(tmp_path, sys.executable)
    cell = _tool().setup_source(_pyproject()[0]) + "\nprint('kit', tk.__name__, 'keras', keras.__version__)"
    result = _ipython(cell, python)
    assert result.returncode == 0, result.stdout + result.stderr
    assert log.read_text().splitlines() == ["-m pip show -qq transferkit"]  # no install
    assert "kit transferkit keras " in result.stdout


def test_import_without_tensorflow_says_what_to_install_in_one_sentence():
    # `import transferkit` and the names that need no TensorFlow work; the first name that needs it says what to install
    result = _python(_BLOCK.format(name="tensorflow") + "import transferkit as tk\nfrom transferkit.config import mode_banner\nprint(tk.pick(1, 2), mode_banner())\n"
                     "tk.load_backbone")
    assert result.returncode == 1 and re.match(r"[12] transferkit:", result.stdout), result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"ImportError: transferkit runs Keras on TensorFlow, which is not installed here: [^.]*`pip install "
                        r"tensorflow-cpu`[^.]*\.", last), last
    assert "During handling" not in result.stderr and "keras" not in result.stderr.lower().replace("runs keras", "")


def test_tensorflows_startup_notices_are_filtered_and_kept():
    from transferkit.config import split_startup_notices

    lines = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
        "I0000 00:00:1795469025.462595   17933 port.cc:153] oneDNN custom operations are on.\n",
        "I0000 00:00:1795469025.5 17933 cpu_feature_guard.cc:210] This TensorFlow binary is optimized.\n",
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow.\n",
        "E0000 00:00:1745.1 1234 cuda_dnn.cc:8310] Unable to register cuDNN factory\n",
        "/x/site-packages/foo.py:3: DeprecationWarning: old\n",
        "  import bar\n",
        "F0000 00:00:1.2 1 x.cc:1] fatal\n",
    ]
    notices, rest = split_startup_notices(lines)
    assert notices == lines[:5] and rest == lines[5:]
    # a fresh interpreter, TF_CPP_MIN_LOG_LEVEL unset: nothing from TensorFlow's C++ side reaches
    # stderr and other output still does (TensorFlow 2.21 prints notices here, 2.20 none)
    # `import transferkit` loads no TensorFlow: the notebook's `import keras` right after it does
    code = "import sys, transferkit, keras; print('warned', file=sys.stderr)"
    result = _python(code, TF_CPP_MIN_LOG_LEVEL=None)
    assert result.returncode == 0 and result.stderr == "warned\n", result.stderr
    shown = _python("import transferkit, keras", TF_CPP_MIN_LOG_LEVEL="0")  # asked for: shown as TensorFlow prints them
    plain = _python("import tensorflow", TF_CPP_MIN_LOG_LEVEL="0")
    assert shown.returncode == 0 and plain.returncode == 0
    assert split_startup_notices(shown.stderr.splitlines(True))[0] or not split_startup_notices(plain.stderr.splitlines(True))[0]


# --------------------------------------------------------------------------- photos in the package


def _photo_names_in_notebooks() -> set[str]:
    names = set()
    for path in _notebooks():
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            text = _source(cell)
            if cell["cell_type"] == "code" and "demo_image" in text:
                names |= set(re.findall(r'"((?:cat|dog)\.\d+\.jpg|[A-Za-z_]+_\d+\.jpg)"', text))
    return names


def test_every_example_photo_comes_from_the_package_without_data_or_network(monkeypatch, no_network):
    import transferkit as tk

    monkeypatch.delenv("TRANSFERKIT_DATA", raising=False)
    photos = Path(tk.__file__).parent / "photos"
    wanted = _photo_names_in_notebooks() | {"cat.2007.jpg", "dog.2013.jpg", "Siamese_108.jpg", "beagle_111.jpg", "pug_127.jpg"}
    if (SHARED / "demo").is_dir():  # the course machine's example photos: all shipped
        wanted |= {p.name for p in (SHARED / "demo").glob("*.jpg")}
    for name in sorted(wanted):
        path = tk.demo_image(name)
        assert path.parent == photos, f"{name} -> {path}"
        assert tk.load_image(path, 224).shape == (224, 224, 3)
    shipped = sorted(p.name for p in photos.glob("*.jpg"))
    assert sum((photos / n).stat().st_size for n in shipped) < 400_000  # a few small photos, not a dataset
    sources = (photos / "SOURCES.md").read_text()
    for name in shipped:
        row = next((line for line in sources.splitlines() if line.startswith(f"| `{name}`")), None)
        assert row, f"SOURCES.md does not name the source of {name}"
        licence = "CC BY-SA 4.0" if re.fullmatch(r"[A-Za-z_]+_\d+\.jpg", name) else "no open licence"
        assert licence in row and ("Oxford-IIIT Pet" in row) == (licence == "CC BY-SA 4.0"), row
    assert "Parkhi" in sources


# --------------------------------------------------------------------------- Colab's versions


def _pins() -> dict[str, str]:
    path = Path(os.environ.get("TRANSFERKIT_COLAB_CONSTRAINTS") or REPO / "colab-constraints.txt")
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip()] = version.strip()
    return pins


def test_lower_bounds_are_colabs_versions():
    """The package's lower bounds are the versions CI tests on Colab's stack, not older untested ones."""
    text = (REPO / "pyproject.toml").read_text()
    deps = re.search(r"^dependencies = \[(.*?)^\]", text, re.M | re.S)[1]
    bounds = dict(re.findall(r'"([\w-]+)>=([\w.]+)"', deps))
    for name, version in _pins().items():
        if name in bounds:
            assert bounds[name] == version, f"{name}: lower bound {bounds[name]}, Colab/CI has {version}"
    assert set(_pins()) - set(bounds) == {"tensorflow-cpu"}
    for extra, dist in [("tensorflow", "tensorflow"), ("cpu", "tensorflow-cpu")]:
        assert re.search(rf'^{extra} = \["{dist}>=2\.20"\]', text, re.M), extra


@pytest.mark.skipif(not os.environ.get("TRANSFERKIT_COLAB_CONSTRAINTS"), reason="only in `make test-colab`")
def test_installing_the_kit_kept_colabs_versions():
    import transferkit

    for name, version in _pins().items():
        assert metadata.version(name) == version, f"installing the kit changed {name}"
    installed = Path(transferkit.__file__).resolve().parent
    assert installed.name == "transferkit" and REPO / "lib" != installed, "the kit should be a built, non-editable install"
    assert (installed / "photos" / "SOURCES.md").is_file() and (installed / "data" / "datasets.json").is_file()


def test_widgets_bars_plots_and_upload_in_a_kernel(tmp_path):
    """The setup cell's output in a real kernel (no TensorFlow log lines), a tqdm bar, a plot and upload_photo()."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    cells = [
        _tool().setup_source(_pyproject()[0]),
        "from tqdm.auto import tqdm\nfor _ in tqdm(range(3), desc='bar'):\n    pass",
        "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0]);",
        "print(tk.upload_photo())",
        # Colab's file picker, as google.colab.files offers it
        "import sys, types\ncolab = sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
        "colab.files = types.SimpleNamespace(upload=lambda: {'me.jpg': b'photo bytes'})\nprint(tk.upload_photo())",
        # the kit's plots return their figure, closed: shown once as the cell's value, not at all when assigned
        "tk.plot_accuracy_comparison({'frozen': 0.97, 'fine-tuned': 0.99})",
        "figure = tk.plot_history({'loss': [1.0, 0.5], 'val_loss': [1.1, 0.7]})",
        "display(figure)\nprint('shown')",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO)}},
                            kernel_manager_class=_current_env_kernel()).execute()
    outputs = [c["outputs"] for c in nb.cells]
    for i, out in enumerate(outputs):
        assert not [o for o in out if o["output_type"] == "error"], (i, out)
    setup = outputs[0]
    assert not [o for o in setup if o.get("name") == "stderr"], setup  # no TensorFlow start-up notices
    widget = [o for o in outputs[1] if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widget, f"no progress-bar widget with ipywidgets {metadata.version('ipywidgets')}: {outputs[1]}"
    assert not [o for o in outputs[1] if o.get("name") == "stderr" and "IProgress" in o["text"]]
    assert any("image/png" in o.get("data", {}) for o in outputs[2])
    assert "works in Colab" in outputs[3][0]["text"]
    assert outputs[4][-1]["text"] == "b'photo bytes'\n"
    images = [sum("image/png" in o.get("data", {}) for o in out) for out in outputs[5:8]]
    assert images == [1, 0, 1], f"kit figures shown {images} times (want once as a cell's value, never when assigned)"


def _current_env_kernel():
    """A kernel manager that starts ipykernel with this interpreter (the environment under test)."""
    from jupyter_client.manager import KernelManager

    class CurrentEnv(KernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            return [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file]

    return CurrentEnv
