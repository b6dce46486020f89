"""Oxford-IIIT Pet: breed/species parsing, the official split files, disguised images, the lab's checks."""

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import transferkit as tk
from transferkit.course import lab
from transferkit.datasets.oxford import breed_of, read_split_file, species_of

CATS = {"Abyssinian", "Bengal", "Birman", "Bombay", "British_Shorthair", "Egyptian_Mau", "Maine_Coon",
        "Persian", "Ragdoll", "Russian_Blue", "Siamese", "Sphynx"}


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    """The checks' own behaviour (✗, ○, a lent reference) whatever TRANSFERKIT_STRICT the shell has."""
    monkeypatch.delenv("TRANSFERKIT_STRICT", raising=False)


# --------------------------------------------------------------------------- names


def test_all_37_breeds_parse_back_from_file_names():
    assert len(tk.OXFORD_BREEDS) == len(set(tk.OXFORD_BREEDS)) == 37
    for i, breed in enumerate(tk.OXFORD_BREEDS):
        for name in (f"{breed}_{i + 1}.jpg", f"/data/images/{breed}_{100 + i}.jpg", f"{breed}_7"):
            assert breed_of(name) == breed
    assert breed_of("american_pit_bull_terrier_100.jpg") == "american_pit_bull_terrier"


def test_species_case_rule_gives_12_cats_and_25_dogs():
    species = {b: species_of(b) for b in tk.OXFORD_BREEDS}
    assert {b for b, s in species.items() if s == "cat"} == CATS
    assert sum(s == "dog" for s in species.values()) == 25
    assert species_of("Egyptian_Mau") == "cat" and species_of("english_setter") == "dog"


@pytest.mark.parametrize("bad", ["pug.jpg", "pug_x.jpg", "_12.jpg", "12.jpg"])
def test_names_that_are_not_pet_images_raise(bad):
    with pytest.raises(ValueError, match="not an Oxford-IIIT Pet image name"):
        breed_of(bad)


# --------------------------------------------------------------------------- split files


def test_split_reader_skips_header_and_blank_lines(tmp_path):
    f = tmp_path / "list.txt"
    f.write_text(
        "#Image CLASS-ID SPECIES BREED ID\n#ID: 1:37 Class ids\n#SPECIES: 1:Cat 2:Dog\n\n"
        "Abyssinian_100 1 1 1\nyorkshire_terrier_9 37 2 25\n  \n"
    )
    rows = read_split_file(f)
    assert rows == [
        {"image": "Abyssinian_100", "class_id": 1, "species": "cat", "breed_id": 1},
        {"image": "yorkshire_terrier_9", "class_id": 37, "species": "dog", "breed_id": 25},
    ]


@pytest.mark.parametrize("line", ["Abyssinian_100 1 1", "Abyssinian_100 1 3 1", "Abyssinian_100 one 1 1"])
def test_split_reader_names_the_bad_line(tmp_path, line):
    f = tmp_path / "trainval.txt"
    f.write_text(f"Abyssinian_101 1 1 1\n{line}\n")
    with pytest.raises(ValueError, match=r"trainval.txt:2: expected 'Image CLASS-ID SPECIES BREED-ID'"):
        read_split_file(f)


def test_real_split_files_agree_with_names(shared_data):
    ann = shared_data / "oxford_iiit_pet" / "annotations"
    trainval, test = read_split_file(ann / "trainval.txt"), read_split_file(ann / "test.txt")
    assert not {r["image"] for r in trainval} & {r["image"] for r in test}
    for r in trainval + test + read_split_file(ann / "list.txt"):
        breed = tk.OXFORD_BREEDS[r["class_id"] - 1]
        assert breed_of(r["image"]) == breed
        assert r["species"] == species_of(breed)
        assert 1 <= r["breed_id"] <= (12 if r["species"] == "cat" else 25)


# --------------------------------------------------------------------------- disguised and missing files


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def pets_with_bad_files(shared_data, tmp_path):
    """A tiny Oxford layout: 3 good images, the GIF and PNG disguised as .jpg, one listed but missing."""
    corrupt = shared_data / "corrupt" / "oxford_iiit_pet"
    real = shared_data / "oxford_iiit_pet" / "images"
    root = tmp_path / "oxford_iiit_pet"
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    for name in ("Abyssinian_34.jpg", "Abyssinian_5.jpg"):
        shutil.copy(corrupt / name, root / "images" / name)
    good = ["Abyssinian_100", "Bengal_100", "american_bulldog_100"]
    for stem in good:
        shutil.copy(real / f"{stem}.jpg", root / "images" / f"{stem}.jpg")
    (root / "annotations" / "trainval.txt").write_text(
        "Abyssinian_100 1 1 1\nAbyssinian_34 1 1 1\nAbyssinian_5 1 1 1\nBengal_100 6 1 2\n"
        "american_bulldog_100 2 2 1\nbeagle_999 5 2 4\n"
    )
    (root / "annotations" / "test.txt").write_text("")
    return root, corrupt


def test_loader_keeps_misnamed_and_reports_missing_files(pets_with_bad_files):
    root, corrupt = pets_with_bad_files
    before = {p.name: _digest(p) for p in corrupt.iterdir()}
    s = tk.load_dataset("oxford_iiit_pet", "trainval", data_dir=root, per_class=None)
    assert [Path(p).stem for p in s.paths] == ["Abyssinian_100", "Abyssinian_34", "Abyssinian_5", "Bengal_100",
                                               "american_bulldog_100"]
    assert s.labels.tolist() == [0, 0, 0, 5, 1]
    assert s.extras["species"].tolist() == ["cat", "cat", "cat", "cat", "dog"]
    assert {Path(p).name: why for p, why in s.skipped} == {"beagle_999.jpg": "listed in the split file but not in images/"}
    assert {Path(p).name: note for p, note in s.misnamed} == {
        "Abyssinian_34.jpg": "GIF data in a .jpg file", "Abyssinian_5.jpg": "PNG data in a .jpg file"}
    report = s.report()
    assert "skipped 1 unusable files" in report and "kept 2 misnamed files" in report and "GIF data in a .jpg file" in report
    assert {p.name: _digest(p) for p in corrupt.iterdir()} == before  # originals untouched
    batch = next(iter(s.as_tf(64, batch_size=8)))  # all of them decode in TF, by content
    assert batch[0].shape == (5, 64, 64, 3)


def test_disguised_files_convert_in_memory_when_read_one_by_one(shared_data):
    for name in ("Abyssinian_34.jpg", "Abyssinian_5.jpg"):  # GIF and RGBA PNG
        image = tk.load_image(shared_data / "corrupt" / "oxford_iiit_pet" / name, 32)
        assert image.shape == (32, 32, 3) and image.dtype == np.uint8 and image.std() > 0


def test_partial_copy_counts_are_reported(shared_data):
    trainval = tk.load_dataset("oxford_iiit_pet", "trainval", data_dir=shared_data, per_class=None)
    test = tk.load_dataset("oxford_iiit_pet", "test", data_dir=shared_data, per_class=None)
    text = tk.describe_counts({"trainval": trainval, "test": test})
    assert f"trainval: {len(trainval)} images of 37/37 breeds" in text
    missing = [c for c, n in test.counts().items() if n == 0]
    assert missing and f"no images at all for {len(missing)} breeds" in text
    assert all(c in text for c in missing)


# --------------------------------------------------------------------------- the lab's checks


def test_checks_accept_right_answers_and_explain_wrong_ones():
    assert lab.verify("breed_from_filename", lambda n: Path(n).stem.rsplit("_", 1)[0])[0] == "correct"
    status, msg = lab.verify("breed_from_filename", lambda n: n.split("_")[0])
    assert status == "wrong" and "american" in msg
    status, msg = lab.verify("breed_from_filename", breed_of)  # the kit's own parser is not an answer
    assert status == "wrong" and "kit" in msg
    status, msg = lab.verify("top_k_accuracy", lambda y, p, k: 1 / 0)
    assert status == "wrong" and "ZeroDivisionError" in msg


def test_placeholders_are_not_answered_and_lend_the_reference(capsys):
    def breed_from_filename(name):
        ...  # the student has not written it yet

    assert lab.verify("breed_from_filename", breed_from_filename)[0] == "missing"
    assert lab.verify("validation_split", ..., trainval=None)[0] == "missing"
    lent = lab.check("breed_from_filename", breed_from_filename)
    assert lent("great_pyrenees_3.jpg") == "great_pyrenees"
    out = capsys.readouterr().out
    assert "○ breed_from_filename: " in out and "REFERENCE ANSWER LENT" in out and "✓" not in out
    with pytest.raises(KeyError, match="did you mean"):
        lab.check("breed_from_filenme", breed_from_filename)


def test_split_check_wants_all_of_trainval_stratified_and_nothing_from_test():
    names = ["Abyssinian", "beagle", "pug"]
    s = tk.ImageSet("toy", [f"{i}.jpg" for i in range(30)], np.array([0] * 10 + [1] * 10 + [2] * 10), names)
    other = tk.ImageSet("test", ["t.jpg"], np.array([0]), names)
    assert lab.verify("validation_split", s.split(0.2, seed=1), trainval=s, test=other)[0] == "correct"
    head = (s.subset(range(24)), s.subset(range(24, 30)))  # not stratified: breed 0 and 1 get none
    assert "stratify" in lab.verify("validation_split", head, trainval=s, test=other)[1]
    leak = (s.subset(range(24)), other)
    assert lab.verify("validation_split", leak, trainval=s, test=other)[0] == "wrong"


# --------------------------------------------------------------------------- the two notebooks


NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _cells(path):
    import json

    return json.loads((NOTEBOOKS / path).read_text())["cells"]


def test_lab_and_solution_differ_only_in_exercise_cells():
    assert not (NOTEBOOKS / "03_oxford_pets_lab_solution.ipynb").exists()  # out of the students' way
    lab_cells, sol_cells = _cells("03_oxford_pets_lab.ipynb"), _cells("solutions/03_oxford_pets_lab_solution.ipynb")
    assert len(lab_cells) == len(sol_cells)
    exercises = set()
    for a, b in zip(lab_cells, sol_cells):
        assert a["cell_type"] == b["cell_type"]
        if a["cell_type"] != "code":
            continue
        assert not a["outputs"] and not b["outputs"] and a["execution_count"] is None and b["execution_count"] is None
        src_a, src_b = "".join(a["source"]), "".join(b["source"])
        if src_a != src_b:  # an exercise: placeholder in the lab, an answer in the solution, both checked
            assert "✏️" in src_a and "..." in src_a and "check(" in src_a and "check(" in src_b
            assert "✏️" not in src_b and "= ...  #" not in src_b
            exercises |= set(re.findall(r'check\("(\w+)"', src_a))
    # the transfer-learning steps are exercises, and every registered exercise is in the lab
    assert exercises == set(lab.EXERCISES) >= {"head", "unfreeze", "recompile", "fine_tune_learning_rate"}
    assert "".join(next(c for c in lab_cells if c["cell_type"] == "code")["source"]).endswith("import transferkit as tk, keras")
    lab_text = "".join("".join(c["source"]) for c in lab_cells)
    for word in ("partial copy", "local copy", "build_classifier(", "unfreeze_top(", "fine_tune("):
        assert word not in lab_text, word


@pytest.mark.parametrize("path", ["03_oxford_pets_lab.ipynb", "solutions/03_oxford_pets_lab_solution.ipynb"])
def test_the_test_set_is_scored_once_at_the_end(path):
    """The lab says the test set is looked at once, at the end (issue 26: section 3 printed the frozen baseline's
    test scores before the student's stage-2 choices). Before the section "The test set, once", no code cell
    predicts on, evaluates on or scores the test images; in it and after, the baseline and the kept model are."""
    cells = _cells(path)
    start = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                 and "".join(c["source"]).startswith("## 5. The test set, once"))
    scoring = re.compile(r"(predict|evaluate|accuracy|class_report|confusion)\w*\(.*\b(x_test|y_test|test_used|test_features)\b"
                         r"|\b(x_test|y_test)\b")
    for c in cells[:start]:
        if c["cell_type"] == "code":
            for line in "".join(c["source"]).splitlines():
                assert not scoring.search(line), f"the test set is used before section 5: {line.strip()}"
    after = "".join("".join(c["source"]) for c in cells[start:] if c["cell_type"] == "code")
    assert "probe.predict(x_test" in after and "predict_dataset(model, test_used)" in after
