"""The text encoding of an input file, decided once per file and held to for all of it.

With an encoding in the mapping, every piece must decode in it. Otherwise: a UTF-8 BOM
means UTF-8; a file that is valid UTF-8 is UTF-8; when the first byte that is not UTF-8
comes after a whole line of non-ASCII UTF-8 text, the file is UTF-8 with a bad line (it is
refused, naming that line: it is not silently read as GB18030); else the file is GB18030
and must decode in it.
"""

from __future__ import annotations

import codecs
import re
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
        except UnicodeDecodeError as exc:
            at = line + piece.count(b"\n", 0, exc.start)
            if self.given:
                raise InputError(f"{self.path}:{at}: cannot decode as {self._mode}; fix "
                                 "the encoding in the mapping file") from exc
            raise InputError(f"{self.path}:{at}: neither UTF-8 nor GB18030; set the "
                             "encoding in the mapping file") from exc
        if not self.given:
            self._no_utf8_lines(line, piece)
        return text, piece if codecs.lookup(self._mode).name == "utf-8" else None

    def _no_utf8_lines(self, line: int, piece: bytes) -> None:
        """Refuse a line of UTF-8 Chinese in a file detected as GB18030: a line that is
        valid UTF-8 with two CJK ideographs in a row, all of them common (GB2312 hanzi),
        whose GB18030 reading is mostly not common Chinese (real GB18030 text mostly is)."""
        end = 0
        for match in _UTF8_WIDE.finditer(piece):
            if match.start() < end:
                continue
            start = piece.rfind(b"\n", 0, match.start()) + 1
            end = piece.find(b"\n", match.start())
            end = len(piece) if end < 0 else end
            text = piece[start:end]
            try:
                ideographs = _CJK.findall(text.decode("utf-8"))
            except UnicodeDecodeError:
                continue
            if (_common_hanzi_share("".join(ideographs)) == 1.0
                    and _common_hanzi_share(text.decode("gb18030")) < 0.5):
                at = line + piece.count(b"\n", 0, start)
                raise InputError(
                    f"{self.path}:{at}: a UTF-8 line in a file read as GB18030 (its first "
                    "non-ASCII line is not UTF-8): the file mixes encodings; fix that line "
                    "or the first one")

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


#: Two CJK ideographs in a row in UTF-8 (U+4000-U+9FFF): where a UTF-8 line may be.
_UTF8_WIDE = re.compile(rb"[\xe4-\xe9][\x80-\xbf]{2}[\xe4-\xe9][\x80-\xbf]{2}")
_CJK = re.compile("[\u4e00-\u9fff]")


def _common_hanzi_share(text: str) -> float:
    """The share of the double-byte GB18030 characters of ``text`` that are GB2312 hanzi
    (first byte B0-F7, second A1-FE).

    >>> _common_hanzi_share("用户"), _common_hanzi_share("鐢ㄦ埛")
    (1.0, 0.0)
    """
    pairs = [c.encode("gb18030") for c in text if ord(c) >= 0x80]
    pairs = [b for b in pairs if len(b) == 2]
    if not pairs:
        return 1.0
    common = sum(1 for b in pairs if 0xB0 <= b[0] <= 0xF7 and 0xA1 <= b[1] <= 0xFE)
    return common / len(pairs)
