"""Fetching and unpacking a dataset archive safely: atomic download, MD5 check, extraction without escapes.

Each step is a separate function working on local paths, so everything except the network transfer itself
can be tested offline.
"""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zlib
from pathlib import Path, PurePosixPath

from ..atomic import atomic_write
from ..errors import UserError


def file_md5(path, chunk_size=1 << 20):
    """Hex MD5 digest of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_md5(path, expected_md5):
    """Raise UserError unless the file's MD5 equals expected_md5 (hex string)."""
    actual = file_md5(path)
    if actual != expected_md5.lower():
        raise UserError(
            f"MD5 mismatch for {path}: expected {expected_md5}, got {actual} "
            "(corrupt or incomplete download, or not the official archive: delete it and try again)"
        )


def download_file(url, destination, expected_md5=None, timeout=60):
    """Download url to destination atomically: write a temp file in the same folder, check, os.replace.

    A failed or interrupted download never leaves a partial file under the final name.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=destination.parent, prefix=destination.name, suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                shutil.copyfileobj(response, out, length=1 << 20)
        if expected_md5 is not None:
            verify_md5(temp_name, expected_md5)
        os.replace(temp_name, destination)
    except OSError as error:  # urllib.error.URLError is an OSError
        raise UserError(f"could not download {url} to {destination}: {error}") from error
    finally:
        if os.path.exists(temp_name):
            os.remove(temp_name)
    return destination


def _check_member(archive_path, member):
    """Refuse anything but plain files and folders that stay inside the extraction folder."""
    name = member.name
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
        raise UserError(f"unsafe path {name!r} in archive {archive_path}: refusing to extract it")
    if not (member.isfile() or member.isdir()):
        raise UserError(f"archive {archive_path} contains {name!r}, which is not a plain file or folder")


def safe_extract_tar(archive_path, destination):
    """Extract a .tar / .tar.gz archive into the folder `destination`, refusing unsafe members.

    Every member is checked before anything is written: absolute paths, '..' components, links and device
    files are refused (UserError). Files are then written by us, with default permissions.
    """
    destination = Path(destination)
    try:
        with tarfile.open(archive_path, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(archive_path, member)
            for member in members:
                target = destination.joinpath(*PurePosixPath(member.name).parts)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                # Atomically, file by file: an interrupted extraction leaves no truncated batch behind.
                with tar.extractfile(member) as source:
                    atomic_write(target, lambda out, source=source: shutil.copyfileobj(source, out))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise UserError(f"cannot read archive {archive_path}: {error}") from error
