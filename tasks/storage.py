"""Where rendered PDFs live: a folder (default) or S3-compatible object storage.

    storage_config(settings) -> StorageConfig      (plain data: travels to render workers)
    open_storage(config) -> FolderStorage | ObjectStorage   (one per process)

The warehouse records a key, the PDF's path relative to the storage root (e.g.
`documents/DL5/2026/2026-0001234.pdf`), never a machine's absolute path, so the same
rows serve a render worker on another machine and an archive moved to a bucket. A
folder writes atomically (temp file + rename); an object store with one PUT, which
makes the object appear whole or not at all. Either way a reader never sees half a PDF.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath

from domain.paths import resolve_inside


@dataclass(frozen=True)
class StorageConfig:
    """A folder path (or file:// URL) or `s3://bucket/prefix`, with the object store's
    endpoint and credentials (None: the usual AWS environment and config files)."""

    url: str
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    region: str | None = None

    @property
    def is_object_store(self) -> bool:
        return self.url.startswith("s3://")


def storage_config(settings) -> StorageConfig:
    """From the settings: `storage_url` unset means the data dir itself (keys are the
    paths the warehouse has always recorded, relative to it)."""
    secret = settings.storage_secret_access_key
    return StorageConfig(
        url=settings.storage_url or str(Path(settings.data_dir).resolve()),
        endpoint_url=settings.storage_endpoint_url,
        access_key_id=settings.storage_access_key_id,
        secret_access_key=secret.get_secret_value() if secret else None,
        region=settings.storage_region,
    )


_made_dirs: set[str] = set()  # directories this process made or found (saves a syscall)


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` to `path` so a reader sees the old file or the whole new one.

    Temp file in the same directory (same filesystem, so os.replace is an atomic
    rename), named after the process so concurrent writers never share one; removed if
    anything fails. No fsync per file: a crash of the process cannot lose a renamed file;
    against power loss the caller syncs once per batch before committing the results
    (cheaper than an fsync per document).
    """
    directory = os.path.dirname(path) or "."
    if directory not in _made_dirs:
        os.makedirs(directory, exist_ok=True)
        _made_dirs.add(directory)
    temp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        try:
            fd = os.open(temp, flags, 0o644)
        except FileNotFoundError:  # directory removed since it was made: make it again
            os.makedirs(directory, exist_ok=True)
            fd = os.open(temp, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


class FolderStorage:
    """A local or shared (NFS, SMB) folder every worker mounts at the same path."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(str(root).removeprefix("file://")).resolve()

    def path(self, key: str) -> Path:
        return resolve_inside(self.root, key)  # a key never escapes the root

    def write(self, key: str, data: bytes) -> None:
        write_atomic(str(self.path(key)), data)

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> bool:
        """Retention (issue 19): False when the file was gone already."""
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        return True

    @contextmanager
    def local_files(self, keys: Iterable[str]) -> Iterator[dict[str, str]]:
        """Key -> a local file to read; here the files themselves, nothing is copied."""
        yield {key: key if os.path.isabs(key) else str(self.path(key)) for key in keys}


class ObjectStorage:
    """S3 or an S3-compatible store (MinIO, Ceph, moto) through fsspec/s3fs."""

    def __init__(self, config: StorageConfig) -> None:
        import s3fs  # only deployments with object storage pay for the import

        self.base = config.url.removeprefix("s3://").rstrip("/")
        client_kwargs = {"region_name": config.region} if config.region else {}
        self.fs = s3fs.S3FileSystem(
            key=config.access_key_id,
            secret=config.secret_access_key,
            endpoint_url=config.endpoint_url,
            client_kwargs=client_kwargs,
            use_listings_cache=False,  # other workers write all night: never trust a listing
        )

    def object_path(self, key: str) -> str:
        clean = PurePosixPath(key)
        if clean.is_absolute() or ".." in clean.parts:
            raise ValueError(f"unsafe storage key {key!r}")
        return f"{self.base}/{clean}"

    def write(self, key: str, data: bytes) -> None:
        self.fs.pipe_file(self.object_path(key), data)  # one PUT below the multipart size

    def read(self, key: str) -> bytes:
        return self.fs.cat_file(self.object_path(key))

    def delete(self, key: str) -> bool:
        """Retention (issue 19): False when the object was gone already."""
        try:
            self.fs.rm_file(self.object_path(key))
        except FileNotFoundError:
            return False
        return True

    @contextmanager
    def local_files(self, keys: Iterable[str]) -> Iterator[dict[str, str]]:
        """Download to a temporary folder (removed after) for readers that need files,
        such as the print merge; absolute paths are local files already and pass as is.
        One call fetches them all, concurrently."""
        keys = list(dict.fromkeys(keys))
        remote = [key for key in keys if not os.path.isabs(key)]
        with tempfile.TemporaryDirectory(prefix="iportal-fetch-") as scratch:
            local = {key: os.path.join(scratch, f"{i:07d}.pdf") for i, key in enumerate(remote)}
            if remote:
                self.fs.get([self.object_path(k) for k in remote], [local[k] for k in remote])
            yield {key: local.get(key, key) for key in keys}


@lru_cache(maxsize=8)
def open_storage(config: StorageConfig) -> FolderStorage | ObjectStorage:
    """One storage per configuration and process: a render worker opens its S3 session
    once, not once per document."""
    if config.is_object_store:
        return ObjectStorage(config)
    return FolderStorage(config.url)
