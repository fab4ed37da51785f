"""Reading a config file's text: UTF-8, and when it is not, an error that says where the bad byte is."""

from __future__ import annotations

from pathlib import Path

from foundation.errors import ConfigError, ConfigProblem


def read_config_text(path: Path) -> str:
    """The text of ``path`` decoded as UTF-8 (a BOM is allowed); raises :class:`ConfigError` naming the line
    and byte when it is in another encoding. ``FileNotFoundError`` and other ``OSError`` pass through."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = " (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise ConfigError(
            str(path),
            [
                ConfigProblem(
                    "",
                    f"is not UTF-8{hint}: byte 0x{data[exc.start]:02x} at line {line}, column {column} cannot be "
                    "decoded; save the file as UTF-8 (e.g. iconv -f GBK -t UTF-8)",
                    line,
                )
            ],
        ) from None
