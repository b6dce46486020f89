"""The kit's plots and reports speak the student's language, chosen when they are drawn (not at import).

With ``TRANSFERKIT_LANG=tl`` (or ``tk.set_language("tl")``) the training curves, the confusion matrix
and the most-confident-mistakes view carry the Tagalog titles, axis labels and legends of the shipped
catalog (``lib/locale/tl/LC_MESSAGES/transferkit.mo``); without it, English. The expected words are
read from the compiled catalog, so the test follows the translators' wording, and fails if a message
loses its translation or is no longer looked up.
"""

import ast
import gettext

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import transferkit as tk  # noqa: E402
from transferkit import i18n  # noqa: E402
from transferkit.evaluation import confusion, metrics, per_class, predict  # noqa: E402
from transferkit.plots import plot_history  # noqa: E402

from conftest import REPO  # noqa: E402

PHOTOS = ["cat.2007.jpg", "cat.2012.jpg", "dog.2001.jpg", "dog.2013.jpg"]  # shipped with the kit
LABELS = np.array([0, 0, 1, 1])
PROBABILITIES = np.array([[0.2, 0.8], [0.7, 0.3], [0.9, 0.1], [0.4, 0.6]])  # photos 0 and 2 wrong


def _catalog(lang: str) -> gettext.GNUTranslations:
    path = REPO / "lib" / "locale" / lang / "LC_MESSAGES" / "transferkit.mo"
    with path.open("rb") as f:
        return gettext.GNUTranslations(f)


def translated(lang: str, english: str) -> str:
    """``english`` as the shipped ``lang`` catalog has it; fails the test if it is not translated."""
    found = _catalog(lang).gettext(english)
    assert found != english, f"locale/{lang}/LC_MESSAGES/transferkit.po does not translate {english!r}"
    return found


def texts(fig) -> set[str]:
    """Every text drawn on ``fig``: titles, axis labels, legends, suptitle, tick labels."""
    return {t.get_text() for t in fig.findobj(Text) if t.get_text()}


def draw_all() -> dict[str, set[str]]:
    history = {"accuracy": [0.80, 0.90, 0.93], "val_accuracy": [0.78, 0.86, 0.88],
               "loss": [0.5, 0.3, 0.2], "val_loss": [0.55, 0.4, 0.35]}
    images = tk.ImageSet("demo", [str(tk.demo_image(name)) for name in PHOTOS], LABELS, ["cat", "dog"])
    return {
        "history": texts(plot_history(history, marker_at=2)),
        "confusion": texts(confusion.plot_confusion_matrix(confusion.confusion_matrix(LABELS, PROBABILITIES),
                                                         ["cat", "dog"])),
        "mistakes": texts(predict.show_most_confident_wrong(images, None, PROBABILITIES, k=4)),
    }


ENGLISH = {
    "history": ["train accuracy", "validation accuracy", "train loss", "validation loss",  # "epoch": the same in tl
                "fine-tuning starts"],
    "confusion": ["predicted", "true"],
    "mistakes": ["The 2 most confidently wrong of 4 images"],
}


def tagalog() -> dict[str, list[str]]:
    return {
        "history": [translated("tl", "train {metric}").format(metric="accuracy"),
                    translated("tl", "validation {metric}").format(metric="loss"),
                    translated("tl", "fine-tuning starts")],
        "confusion": [translated("tl", "predicted"), translated("tl", "true")],
        "mistakes": [translated("tl", "The {n} most confidently wrong of {total} images").format(n=2, total=4),
                     translated("tl", "true {true}\npredicted {predicted} {confidence:.0%}\n{file}").format(
                         true="dog", predicted="cat", confidence=0.9, file="dog.2001.jpg")],
    }


@pytest.fixture
def language():
    saved = dict(i18n._state)
    yield
    i18n._state.update(saved)


@pytest.mark.parametrize("switch", ["environment", "set_language"])
def test_the_plots_speak_tagalog_when_asked_and_english_otherwise(language, monkeypatch, switch):
    monkeypatch.delenv("TRANSFERKIT_LANG", raising=False)
    i18n.set_language("en")
    english = draw_all()
    for plot, words in ENGLISH.items():
        assert set(words) <= english[plot], (plot, set(words) - english[plot])
    # the modules are imported and have drawn once: the language is still read now, when drawing
    if switch == "environment":
        monkeypatch.setenv("TRANSFERKIT_LANG", "tl")
        i18n._state["language"] = None  # as in a new session started with TRANSFERKIT_LANG=tl
    else:
        tk.set_language("tl")
    assert i18n.language() == "tl"
    drawn = draw_all()
    for plot, words in tagalog().items():
        assert set(words) <= drawn[plot], (plot, set(words) - drawn[plot])
        assert not set(ENGLISH[plot]) & drawn[plot], (plot, set(ENGLISH[plot]) & drawn[plot])
    tk.set_language("en")
    assert draw_all() == english


def test_a_report_and_an_error_speak_pidgin(language, capsys):
    tk.set_language("pcm")
    images = tk.ImageSet("demo", [str(tk.demo_image(name)) for name in PHOTOS], LABELS, ["cat", "dog"])
    assert predict.show_most_confident_wrong(images, None, np.eye(2)[LABELS]) is None
    assert capsys.readouterr().out.strip() == translated("pcm", "No mistakes: every image is classified correctly.")
    with pytest.raises(ValueError) as caught:
        metrics.accuracy([0, 1, 1], [0, 1])
    assert str(caught.value) == translated("pcm", "{labels} labels but {predictions} predictions").format(
        labels=3, predictions=2)
    report = per_class.class_report(LABELS, PROBABILITIES, ["cat", "dog"]).table().splitlines()
    assert report[-1].startswith(_catalog("pcm").pgettext("table row", "overall"))


def _own_scope(node):
    """The nodes of a function's own scope: not those of the functions, lambdas and comprehensions inside it."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
                              ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        yield child
        yield from _own_scope(child)


def test_no_kit_function_hides_the_translation_function():
    """``for _ in range(n)`` in a function that also calls ``_("...")`` makes ``_`` a local int there:
    the call raises (``show_augmentation`` did, in notebook 02, once its titles went through gettext)."""
    hiding = []
    for path in sorted((REPO / "lib").rglob("*.py")):
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            binds = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in _own_scope(fn))
            calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in ast.walk(fn))
            if binds and calls:
                hiding.append(f"{path.relative_to(REPO)}:{fn.lineno} {fn.name}")
    assert not hiding, f"these functions bind '_' and call _(): {hiding}"


def test_show_augmentation_titles_its_versions_in_the_language(language):
    import keras

    inputs = keras.Input((32, 32, 3))
    x = keras.layers.RandomFlip("horizontal", name="random_flip")(inputs)
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))
    image = np.zeros((32, 32, 3), "uint8")
    tk.set_language("tl")
    drawn = texts(tk.show_augmentation(model, image, n=2, ncols=2))
    assert translated("tl", "version {i}").format(i=2) in drawn


def test_attack_upload_and_objective_messages_speak_the_language(language, capsys):
    from transferkit.course import upload
    from transferkit.steering.objectives import ClassScore

    tk.set_language("tl")
    assert upload.upload_photo() is None
    hint = translated("tl", "set PHOTO to the path of an image file instead.")
    assert capsys.readouterr().out.strip() == translated("tl", "Uploading works in Colab; here, {instead}").format(instead=hint)
    tk.set_language("pcm")
    with pytest.raises(ValueError) as caught:
        tk.psnr(np.zeros((2, 2, 3)), np.zeros((3, 3, 3)))
    assert str(caught.value) == translated("pcm", "the images differ in shape: {original} vs {changed}").format(
        original=(2, 2, 3), changed=(3, 3, 3))
    with pytest.raises(ValueError) as caught:
        ClassScore(1, mode="logits")
    assert str(caught.value) == translated("pcm", "mode must be 'log_prob' or 'logit', not {mode!r}").format(mode="logits")
    assert translated("pcm", "class index {index} is negative") != "class index {index} is negative"


def test_a_bad_language_code_warns_without_looking_the_language_up(language, monkeypatch):
    """The messages about setting the language are translated with the language set so far: looking it up
    there would set it from TRANSFERKIT_LANG, which raises the same message again."""
    monkeypatch.setenv("TRANSFERKIT_LANG", "not a code")
    i18n._state.update(language=None, translation=None)
    with pytest.warns(UserWarning, match="TRANSFERKIT_LANG: 'not a code' is not a language code"):
        assert i18n.language() == "en"
    tk.set_language("tl")
    with pytest.warns(UserWarning, match="no 'xx' translation"):
        tk.set_language("xx")
    assert i18n.language() == "xx" and i18n._("none") == "none"
