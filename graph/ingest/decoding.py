"""The text encoding of an input file, decided once per file and held to for all of it.

With an encoding in the mapping, every piece must decode in it. Otherwise: a UTF-8 BOM
means UTF-8; a file that is valid UTF-8 is UTF-8; when the first byte that is not UTF-8
comes after a whole line of non-ASCII UTF-8 text, the file is UTF-8 with a bad line (it is
refused, naming that line: it is not silently read as GB18030); else the file is GB18030
and must decode in it.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from graph.ingest.input_error import InputError

BOM = b"\xef\xbb\xbf"


class Decoder:
    """Decodes the pieces of one file in order (``decode``); ``encoding`` is the one used
    (``utf-8`` for a file of ASCII only)."""

    def __init__(self, path: Path, encoding: str | None) -> None:
        self.path = path
        self.given = encoding
        self._mode: str | None = encoding
        self._first = True

    @property
    def encoding(self) -> str:
        return self._mode or "utf-8"

    def decode(self, line: int, piece: bytes) -> tuple[str, bytes | None]:
        """The text of ``piece`` (whose first line is ``line``), and the piece's bytes
        when they are that text's UTF-8 (``None`` otherwise). Raises ``InputError``
        naming the first line that does not decode.

        >>> d = Decoder(Path("x.csv"), None)
        >>> d.decode(1, "名".encode("gb18030"))[0], d.encoding
        ('名', 'gb18030')
        """
        first, self._first = self._first, False
        if first and self._mode is None and piece.startswith(BOM):
            self._mode = "utf-8-sig"
            piece = piece[len(BOM):]
        if self._mode is None:
            return self._detect(line, piece)
        if self._mode in ("utf-8", "utf-8-sig") and not self.given:
            return self._utf8(line, piece), piece
        try:
            text = piece.decode(self._mode)
            return text, piece if codecs.lookup(self._mode).name == "utf-8" else None
        except UnicodeDecodeError as exc:
            at = line + piece.count(b"\n", 0, exc.start)
            if self.given:
                raise InputError(f"{self.path}:{at}: cannot decode as {self._mode}; fix "
                                 "the encoding in the mapping file") from exc
            raise InputError(f"{self.path}:{at}: neither UTF-8 nor GB18030; set the "
                             "encoding in the mapping file") from exc

    def _detect(self, line: int, piece: bytes) -> tuple[str, bytes | None]:
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not piece[:piece.rfind(b"\n", 0, exc.start) + 1].isascii():
                self._mode = "utf-8"
                return self._utf8(line, piece), piece
            self._mode = "gb18030"
            return self.decode(line, piece)
        if not piece.isascii():
            self._mode = "utf-8"
        return text, piece

    def _utf8(self, line: int, piece: bytes) -> str:
        try:
            return piece.decode("utf-8")
        except UnicodeDecodeError as exc:
            at = line + piece.count(b"\n", 0, exc.start)
            column = exc.start - piece.rfind(b"\n", 0, exc.start)
            raise InputError(
                f"{self.path}:{at}: not valid UTF-8 (byte {column} of the line), but the "
                "file is UTF-8 before it: it mixes encodings; fix that line (or, if the "
                "whole file is another encoding, set it in the mapping file)") from exc
