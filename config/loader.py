"""Read and validate the YAML config, reporting every problem with its file, line and key.

``${NAME}`` and ``${NAME:-default}`` in string values are replaced by environment variables, so secrets
(cookies, API keys) and machine-specific addresses stay out of the file.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from alerts.rules.base import RuleConfig
from config.models import AppConfig
from config.text import read_config_text
from crawlers.sources import SourceConfig
from foundation.errors import ConfigError, ConfigProblem

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

Path_ = tuple[str | int, ...]
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def _key(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def expand_env(value: Any, file: str, path: Path_ = ()) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string; a missing variable is a config error."""
    if isinstance(value, dict):
        return {k: expand_env(v, file, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, file, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:

        def sub(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in os.environ:
                return os.environ[name]
            if default is not None:
                return default
            raise ConfigError(
                file, [ConfigProblem(_key(path), f"environment variable {name} is not set (referenced as ${{{name}}})")]
            )

        return _ENV.sub(sub, value)
    return value


def non_finite(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Where ``value`` holds an infinite or NaN float (YAML's ``.inf``, ``.nan`` or ``1.0e400``): no setting
    means "forever", and arithmetic on them fails or hangs far from the config."""
    if isinstance(value, float) and not math.isfinite(value):
        yield path
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()) and not math.isfinite(float(value)):
        yield path  # YAML 1.1 reads 1.0e400 as text, which pydantic then turns into infinity
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from non_finite(v, (*path, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from non_finite(v, (*path, i))


def _lines(node: yaml.Node | None, path: Path_ = ()) -> Iterator[tuple[Path_, int]]:
    """(path, 1-based line) for every value in a composed YAML document."""
    if node is None:
        return
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            yield from _lines(value_node, (*path, str(key_node.value)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _lines(item, (*path, i))


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path_:
    """Drop the parts of a pydantic error location that are not in the data (union tags, model names)."""
    out: list[str | int] = []
    cur = data
    for part in loc:
        if isinstance(cur, dict) and isinstance(part, str) and part in cur:  # noqa: SIM114 - kept apart for typing
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str) and not _is_tag(part):
            out.append(part)  # a missing or unknown key: still worth naming
            cur = None
    return tuple(out)


def _is_tag(part: str) -> bool:
    # pydantic puts the union member (the source or rule type, or a model name) into the location.
    from alerts.registry import RULE_TYPES
    from crawlers.sources import SOURCE_TYPES

    return part in SOURCE_TYPES or part in RULE_TYPES or part[:1].isupper() or "[" in part


def _message(err: Any) -> str:
    kind = err["type"]
    msg = str(err["msg"])
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known option (check the spelling)"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"unknown type {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "needs a 'type'"
    return msg.removeprefix("Value error, ")


def _check_references(cfg: AppConfig) -> list[tuple[Path_, str]]:
    """Cross-references pydantic cannot see: unique names, brands that exist."""
    problems: list[tuple[Path_, str]] = []
    brands = cfg.brand_names()
    seen: set[str] = set()
    for i, name in enumerate(brands):
        if name in seen:
            problems.append((("brands", i, "name"), f"brand {name!r} is defined twice"))
        seen.add(name)
    named: list[tuple[str, Sequence[SourceConfig | RuleConfig]]] = [
        ("sources", cfg.sources),
        ("alerts.rules", cfg.alerts.rules),
    ]
    for section, items in named:
        names: set[str] = set()
        base: Path_ = tuple(section.split("."))
        for i, item in enumerate(items):
            if item.name in names:
                problems.append(((*base, i, "name"), f"name {item.name!r} is used twice"))
            names.add(item.name)
            for j, brand in enumerate(item.brands):
                if brand not in seen:
                    problems.append(((*base, i, "brands", j), f"unknown brand {brand!r}; brands are {brands}"))
            owned = getattr(item, "brand", None)
            if owned is not None and owned not in seen:
                problems.append(((*base, i, "brand"), f"unknown brand {owned!r}; brands are {brands}"))
    channels = {c.name for c in cfg.alerts.channels}
    for i, rule in enumerate(cfg.alerts.rules):
        for j, name in enumerate(rule.notify):
            if name not in channels:
                problems.append(
                    (("alerts", "rules", i, "notify", j), f"no channel named {name!r}; channels are {sorted(channels)}")
                )
    for key in ("notify", "escalation_notify", "report_notify"):
        for j, name in enumerate(getattr(cfg.alerts, key) or []):
            if name not in channels:
                problems.append((("alerts", key, j), f"no channel named {name!r}; channels are {sorted(channels)}"))
    problems.extend(_channel_targets(cfg))
    return problems


def _channel_targets(cfg: AppConfig) -> list[tuple[Path_, str]]:
    """Every channel URL or SMTP host must be allowed (see alerts.channels.guard), checked before anything runs."""
    from urllib.parse import urlsplit

    from alerts.channels import CHANNEL_TYPES, TargetGuard
    from alerts.channels.guard import BlockedTarget

    problems: list[tuple[Path_, str]] = []
    for i, channel in enumerate(cfg.alerts.channels):
        kind = CHANNEL_TYPES[channel.type]
        guard = TargetGuard([*kind.default_hosts, *cfg.alerts.allowed_hosts], cfg.alerts.allow_private_hosts)
        url = getattr(channel, "url", None)
        if url is not None:
            raw = url.get_secret_value()
            host = urlsplit(raw).hostname or ""
            try:
                if urlsplit(raw).scheme not in {"http", "https"}:
                    raise BlockedTarget("not an http(s) URL")
                if not guard.host_allowed(host):
                    raise BlockedTarget(
                        f"host {host} is not allowed for {channel.type}; add it to alerts.allowed_hosts"
                    )
                if urlsplit(raw).scheme == "http" and host not in cfg.alerts.allow_private_hosts:
                    raise BlockedTarget(f"plain http to {host}: use https")
            except BlockedTarget as exc:
                problems.append((("alerts", "channels", i, "url"), str(exc)))
        host = getattr(channel, "host", None)
        if isinstance(host, str) and not guard.host_allowed(host):
            problems.append(
                (("alerts", "channels", i, "host"), f"SMTP host {host} is not allowed; add it to alerts.allowed_hosts")
            )
    return problems


def parse_config(text: str, file: str = "<config>") -> AppConfig:
    """Validate YAML text; raises :class:`ConfigError` listing every problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            file, [ConfigProblem("", f"YAML syntax error: {problem}", mark.line + 1 if mark else None)]
        ) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(file, [ConfigProblem("", "the file must be a YAML mapping (brands:, sources:, ...)", 1)])
    lines = dict(_lines(node))
    data = expand_env(data, file)
    infinite = [
        ConfigProblem(
            _key(p), "must be a finite number (not .inf or .nan, nor one too large for a float)", lines.get(p)
        )
        for p in non_finite(data)
    ]
    if infinite:
        raise ConfigError(file, infinite)
    try:
        cfg = AppConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = _data_path(data, tuple(err["loc"]))
            line = None
            for cut in range(len(path), -1, -1):
                if path[:cut] in lines:
                    line = lines[path[:cut]]
                    break
            problems.append(ConfigProblem(_key(path) or "(top level)", _message(err), line))
        raise ConfigError(file, _dedupe(problems)) from exc
    refs = _check_references(cfg)
    if refs:
        raise ConfigError(file, [ConfigProblem(_key(p), msg, lines.get(p)) for p, msg in refs])
    return cfg


def _dedupe(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.key, p.problem) not in seen:
            seen.add((p.key, p.problem))
            out.append(p)
    return out


def load_config(path: str | Path) -> AppConfig:
    """Read and validate a YAML config file."""
    path = Path(path)
    try:
        text = read_config_text(path)
    except FileNotFoundError as exc:
        raise ConfigError(
            str(path), [ConfigProblem("", "file not found (set YUQING_CONFIG or pass --config)")]
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [ConfigProblem("", f"cannot read file: {exc}")]) from exc
    return parse_config(text, str(path))
