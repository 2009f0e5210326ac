"""Input files are what they claim to be: the folder's entries (links, directories, FIFOs,
unreadable files), encodings decided per file across the pieces a file is read in, the
quarantine file's permissions, and the reader's memory bounded by its block, not the file.
The static malformed files are in the corpus (``test_ingest_bad_inputs``)."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from graph.config import Settings
from graph.ingest import pieces
from graph.ingest.pipeline import ingest_folder
from graph.ingest.readers import InputError, read_chunks
from graph.store.base import GraphStore

ROOT = Path(__file__).resolve().parents[1]
ACCOUNTS = "platform,account_id,display_name,followers\nzhihu,1,用户1,10\nzhihu,2,用户2,5\n"


def folder_with(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    folder = tmp_path / "input"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return folder


def names(store: GraphStore) -> list[str]:
    return sorted(r["n"] for r in store.read(
        "MATCH (a:Account) RETURN a.display_name AS n").rows)


def test_utf8_names_are_stored_as_written(store: GraphStore, settings: Settings,
                                          tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"accounts.csv": ACCOUNTS})
    report = ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    assert report.files[0].encoding == "utf-8"
    assert names(store) == ["用户1", "用户2"]


def test_bad_line_in_a_later_piece_is_named(store: GraphStore, settings: Settings,
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """The encoding is decided once per file: a UTF-8 file read in several pieces whose
    GB18030 line comes in a later piece is refused naming that line, nothing loaded."""
    monkeypatch.setattr(pieces, "BLOCK_BYTES", 64)
    rows = [f"zhihu,{i},用户{i},1\n" for i in range(1, 40)]
    data = ("platform,account_id,display_name,followers\n" + "".join(rows[:30])).encode()
    data += "zhihu,99,用户99,1\n".encode("gb18030") + "".join(rows[30:]).encode()
    folder = folder_with(tmp_path, {"accounts.csv": data})
    with pytest.raises(InputError, match=r"accounts\.csv:32: not valid UTF-8"):
        ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    assert store.node_counts()["Account"] == 0


def test_gb18030_after_ascii_pieces_is_detected(store: GraphStore, settings: Settings,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pieces, "BLOCK_BYTES", 64)
    head = "platform,account_id,display_name,followers\n" + "".join(
        f"zhihu,{i},name{i},1\n" for i in range(1, 20))
    data = head.encode() + "zhihu,77,用户77,1\n".encode("gb18030")
    folder = folder_with(tmp_path, {"accounts.csv": data})
    report = ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    assert report.files[0].encoding == "gb18030"
    assert "用户77" in names(store)
    assert report.files[0].read == report.files[0].loaded == 20


def test_quoted_newlines_across_pieces(store: GraphStore, settings: Settings, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A piece never ends inside a quoted field: lines and values stay right."""
    monkeypatch.setattr(pieces, "BLOCK_BYTES", 32)
    rows = "".join(f'zhihu,{i},"line one\nline two {i}",x\n' for i in range(1, 11))
    folder = folder_with(tmp_path, {"accounts.csv": "platform,account_id,display_name,"
                                                    "followers\n" + rows})
    report = ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    assert (report.files[0].read, report.files[0].quarantined) == (10, 10)
    lines = [line.split("\t")[0] for line in Path(str(report.quarantine_file)).read_text(
        encoding="utf-8").splitlines()]
    assert lines == [f"accounts.csv:{2 + 2 * i}:invalid integer in column 'followers': 'x'"
                     for i in range(10)]


def test_symlink_out_of_the_folder_is_refused_unread(store: GraphStore, settings: Settings,
                                                     tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {})
    (folder / "accounts.csv").symlink_to("/etc/passwd")
    with pytest.raises(InputError) as info:
        ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    assert "outside the input folder" in str(info.value)
    assert "root:" not in str(info.value)
    assert store.node_counts()["Run"] == 0


def test_symlink_inside_the_folder_is_read(store: GraphStore, settings: Settings,
                                           tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {})
    (folder / "raw").mkdir()
    (folder / "raw" / "zhihu.csv").write_text(ACCOUNTS, encoding="utf-8")
    (folder / "accounts.csv").symlink_to(folder / "raw" / "zhihu.csv")
    report = ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    assert report.files[0].loaded == 2
    assert report.ignored_reasons == {"raw": "not an input file"}


def test_directory_fifo_and_dangling_link_are_listed_as_ignored(
        store: GraphStore, settings: Settings, tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"accounts.csv": ACCOUNTS})
    (folder / "interactions.csv").mkdir()
    os.mkfifo(folder / "contents.csv")
    (folder / "engagements.csv").symlink_to(folder / "gone.csv")
    report = ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    assert [f.file for f in report.files] == ["accounts.csv"]
    assert report.ignored_reasons == {
        "contents.csv": "not a regular file (a FIFO, socket or device)",
        "engagements.csv": "a dangling symbolic link",
        "interactions.csv": "a directory"}
    assert "ignored (a directory): interactions.csv" in report.text()


def test_unreadable_file_is_one_error_naming_it(tmp_path: Path) -> None:
    """In a child process that, when this is root, may not override file permissions."""
    folder = Path(tempfile.mkdtemp(prefix="kg-unreadable-"))
    try:
        folder.chmod(0o755)
        path = folder / "accounts.csv"
        path.write_text(ACCOUNTS, encoding="utf-8")
        path.chmod(0)
        code = textwrap.dedent(f"""
            from pathlib import Path
            from graph.ingest.readers import InputError, read_chunks
            try:
                list(read_chunks(Path({str(path)!r}), "accounts"))
            except InputError as exc:
                print(exc)
        """)
        preexec = _drop_file_override if os.geteuid() == 0 else None
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              preexec_fn=preexec, timeout=120, check=False)
    finally:
        (folder / "accounts.csv").unlink()
        folder.rmdir()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{path}: cannot read the file (Permission denied)"
    assert "Traceback" not in done.stderr


def _drop_file_override() -> None:
    """Drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set (prctl
    PR_CAPBSET_DROP), so that the program about to be run as root obeys file modes."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_quarantine_file_is_private(store: GraphStore, settings: Settings,
                                    tmp_path: Path) -> None:
    folder = folder_with(tmp_path, {"accounts.csv": ACCOUNTS + "zhihu,3,c,many\n"})
    old = os.umask(0o022)
    try:
        report = ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    finally:
        os.umask(old)
    path = Path(str(report.quarantine_file))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_reader_memory_is_bounded_by_its_block_not_the_file(tmp_path: Path) -> None:
    """The reader's peak resident memory over a 200 MB file stays far below the file's
    size (the old reader held the whole file's bytes, then its text and table)."""
    path = tmp_path / "interactions.csv"
    header = b"platform,src_account,dst_account,type,timestamp,weight\n"
    row = b"zhihu,100001,100002,like,2025-07-01T08:00:00Z,1\n"
    with path.open("wb") as out:
        out.write(header)
        block = row * 100_000
        while out.tell() < 200 << 20:
            out.write(block)
    size = path.stat().st_size
    code = textwrap.dedent(f"""
        import resource
        from pathlib import Path
        import pandas, pyarrow, pyarrow.csv
        from graph.ingest import pieces
        from graph.ingest.readers import read_chunks
        pieces.BLOCK_BYTES = 1 << 20
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rows = sum(len(c.frame) for c in read_chunks(Path({str(path)!r}), "interactions"))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(rows, (after - before) * 1024)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=600, check=True)
    rows, grown = map(int, done.stdout.split())
    assert rows == (size - len(header)) // len(row)
    assert grown < size // 2, f"the reader grew by {grown >> 20} MiB over {size >> 20} MiB"


def test_read_chunks_refuses_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"x\.txt: unknown file format"):
        read_chunks(tmp_path / "x.txt", "accounts")


@pytest.mark.parametrize(("files", "message"), [
    ({"accounts.csv": "platform,account_id,platform\nzhihu,1,zhihu\n"},
     "accounts.csv:1: columns 1 ('platform') and 3 ('platform') are both column 'platform'"),
    ({"accounts.csv": "platform,account_id\n" + "zhihu,1\n" * 3 + "zhihu,\udcff\n"},
     "accounts.csv:5: neither UTF-8 nor GB18030"),
])
def test_cli_prints_one_line_naming_the_file(files: dict[str, str], message: str,
                                             kolgraph_home: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from kolgraph.cli import cli
    from kolgraph.cli.support import UserError

    monkeypatch.setenv("KOLGRAPH_HOME", str(kolgraph_home))
    monkeypatch.setenv("KOLGRAPH_GRAPH", "ingest_files_cli")
    folder = folder_with(tmp_path, {k: v.encode("utf-8", "surrogateescape")
                                    for k, v in files.items()})
    result = CliRunner().invoke(cli, ["ingest", str(folder)])
    assert result.exit_code not in (0, None)
    assert isinstance(result.exception, UserError), result.exception  # one line, no traceback
    assert message in str(result.exception) and "\n" not in str(result.exception)


def test_sparse_file_is_refused_after_a_few_blocks(store: GraphStore, settings: Settings,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2 GB sparse ``interactions.csv`` (NUL bytes, no line end) once took the old
    reader to 4.4 GB and a MemoryError; it is refused after ``MAX_RECORD_BLOCKS`` blocks."""
    monkeypatch.setattr(pieces, "BLOCK_BYTES", 1 << 20)
    folder = folder_with(tmp_path, {"accounts.csv": ACCOUNTS})
    with (folder / "interactions.csv").open("wb") as out:
        out.truncate(2 << 30)
    with pytest.raises(InputError, match=r"interactions\.csv:1: a line longer than \d+ MB of "
                                         r"NUL bytes"):
        ingest_folder(store, dataclasses.replace(settings, home=tmp_path), folder)
    assert store.node_counts()["Account"] == 0


@settings_(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(st.text(alphabet='ab,"\n ;', max_size=6), min_size=3,
                              max_size=3), max_size=25),
       block=st.integers(min_value=12, max_value=60))
def test_pieces_hold_whole_records(rows: list[list[str]], block: int) -> None:
    """Cut wherever the block size puts it (a record is at most four blocks), the pieces
    parse to the file's records, and each piece starts on its first line in the file."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    got, expected_line = [], 1
    for line, piece in pieces.record_pieces(Path("x.csv"), io.BytesIO(data), b'"', block):
        assert line == expected_line
        got += list(csv.reader(io.StringIO(piece.decode("utf-8"), newline="")))
        expected_line += piece.count(b"\n")
    assert got == list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
