"""Uploads in Colab: a photo to classify, a zip of class folders to train on. TensorFlow-free."""

from __future__ import annotations

from pathlib import Path

from ..i18n import _
from ..datasets.folders import visible_entries


def colab_upload(instead: str) -> tuple[str, bytes] | None:
    """In Colab, opens a file picker and returns the first uploaded file's ``(name, bytes)``.

    Elsewhere (or when nothing was picked) it prints what to do (``instead``) and returns None.
    """
    try:
        from google.colab import files  # type: ignore
    except ImportError:
        print(_("Uploading works in Colab; here, {instead}").format(instead=instead))
        return None
    uploaded = files.upload()
    if not uploaded:
        print(_("No file was uploaded."))
        return None
    return next(iter(uploaded.items()))


def upload_photo() -> bytes | None:
    """In Colab, opens a file picker and returns the uploaded photo's bytes; elsewhere explains what to do."""
    picked = colab_upload(_("set PHOTO to the path of an image file instead."))
    return picked[1] if picked else None


def upload_folder(target: str | Path | None = None) -> Path | None:
    """In Colab: pick a ``.zip`` of class folders to upload; it is extracted and its folder of classes returned.

    The archive goes to ``<target>`` (default: the kit's cache, ``uploads/<zip name>``); a zip holding
    one top folder (as "Compress" makes them) is entered, so the result can go straight to
    :func:`load_folder`. Elsewhere it says what to do instead and returns None.
    """
    import io
    import zipfile

    picked = colab_upload(_("set MY_FOLDER to the path of your folder of class subfolders."))
    if not picked:
        return None
    name, data = picked
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValueError(_("{name} is not a zip file: compress your folder of class subfolders to a .zip first").format(
            name=name))
    from ..config import cache_dir

    root = Path(target) if target else cache_dir("uploads") / Path(name).stem
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(root)
    inner = [p for p in visible_entries(root) if p.is_dir()]
    while len(inner) == 1 and not [p for p in visible_entries(root) if p.is_file()] \
            and all(q.is_dir() for q in visible_entries(inner[0])):  # a wrapper folder: go in
        root = inner[0]
        inner = [p for p in visible_entries(root) if p.is_dir()]
    print(_("extracted {name} to {folder}").format(name=name, folder=root))
    return root
