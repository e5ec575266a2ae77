"""PDF storage (issue 9): a folder by default, S3-compatible object storage when set."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tasks.backfill import is_intact
from tasks.paper import local_mail_pieces
from tasks.print_batch import MailPiece, build_print_batch
from tasks.render import render_documents
from tasks.render.pdf import draw_document
from tasks.storage import (
    FolderStorage,
    ObjectStorage,
    StorageConfig,
    open_storage,
    storage_config,
)
from tests.tasks.test_render import make_job

pytestmark = pytest.mark.xdist_group("s3")
KEY = "documents/DL5/2026/2026-0001234.pdf"


def test_folder_storage_writes_whole_files_inside_its_root(tmp_path):
    storage = open_storage(StorageConfig(str(tmp_path)))
    assert isinstance(storage, FolderStorage)
    storage.write(KEY, b"%PDF-1 first")
    storage.write(KEY, b"%PDF-1 second")
    assert storage.read(KEY) == (tmp_path / KEY).read_bytes() == b"%PDF-1 second"
    assert os.listdir(tmp_path / "documents/DL5/2026") == ["2026-0001234.pdf"]  # no temp
    with storage.local_files([KEY, "/elsewhere/letter.pdf"]) as files:
        assert files == {KEY: str(tmp_path / KEY), "/elsewhere/letter.pdf": "/elsewhere/letter.pdf"}
    with pytest.raises(ValueError, match="escapes"):
        storage.write("../outside.pdf", b"x")


def test_settings_without_storage_url_mean_the_data_dir(tmp_path):
    class Settings:  # the fields storage_config reads
        data_dir = tmp_path
        storage_url = storage_endpoint_url = storage_access_key_id = None
        storage_secret_access_key = storage_region = None

    assert storage_config(Settings()) == StorageConfig(str(tmp_path.resolve()))


def test_object_storage_round_trip_and_download_for_readers(s3_server):
    storage = open_storage(s3_server)
    assert isinstance(storage, ObjectStorage)
    storage.write(KEY, b"%PDF-1 object")
    assert storage.read(KEY) == b"%PDF-1 object"
    assert storage.fs.exists(f"iportal-test/archive/{KEY}")  # under the prefix
    with storage.local_files([KEY]) as files:
        assert Path(files[KEY]).read_bytes() == b"%PDF-1 object"
    assert not Path(files[KEY]).exists()  # the download is removed after use
    with pytest.raises(FileNotFoundError, match="documents/none.pdf"):
        storage.read("documents/none.pdf")
    with pytest.raises(ValueError, match="unsafe"):
        storage.write("../x.pdf", b"x")
    assert "testing-secret" not in repr(s3_server)  # the secret stays out of logs


def test_render_step_writes_to_object_storage(s3_server, tmp_path):
    """In this process; tests/tasks/test_render_cluster.py has workers elsewhere."""
    jobs = [make_job(tmp_path, number=f"2026-{i:07d}") for i in range(3)]
    for job in jobs:
        job.out_path = f"documents/DL5/2026/{job.document_number}.pdf"  # a key
    results = render_documents(jobs, workers=1, storage=s3_server)
    storage = open_storage(s3_server)
    for job, result in zip(jobs, results, strict=True):
        data = storage.read(job.out_path)
        assert result.path == job.out_path
        assert result.sha256 == hashlib.sha256(data).hexdigest()
        assert data == draw_document(job)
    assert not (tmp_path / "documents").exists()  # nothing went to the local disk


def test_backfill_verification_reads_through_storage(s3_server):
    storage = open_storage(s3_server)
    storage.write("documents/DL5/2020/a.pdf", b"archived")
    digest = hashlib.sha256(b"archived").hexdigest()
    assert is_intact(storage, "documents/DL5/2020/a.pdf", 8, digest)
    assert not is_intact(storage, "documents/DL5/2020/a.pdf", 8, "0" * 64)
    assert not is_intact(storage, "documents/DL5/2020/missing.pdf", 8, digest)


def test_print_batch_merges_documents_downloaded_from_object_storage(s3_server, tmp_path):
    storage = open_storage(s3_server)
    jobs = [make_job(tmp_path, number=f"2026-{i:07d}") for i in range(3)]
    pieces = []
    for i, job in enumerate(jobs):
        key = f"documents/DL5/2026/{job.document_number}.pdf"
        storage.write(key, draw_document(job))
        pieces.append(
            MailPiece(f"DL5/{job.document_number}/paper/original", "DL5", job.document_number,
                      "DL50012345", key, f"{1000 + i}", "BE", "Garage Dupont BV")
        )  # fmt: skip
    with local_mail_pieces(pieces, storage) as local:
        batch = build_print_batch(local, tmp_path / "print", "DL5-20261127-test", "DL5")
    assert batch.pieces == 3 and batch.ready_path.exists()
