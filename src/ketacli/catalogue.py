"""Catalogue loading: file → bytes → TOML → validated document, with one clear error per failure.

The validated document is the catalogue as plain JSON-compatible data (`Catalogue.model_dump(mode="json")`):
money as numbers of dollars, dates as ISO strings. Everything downstream (query, pricing, renderers)
reads that document, so a run whose catalogue is unchanged can take it from a cache and never import
pydantic or parse TOML. The cache key is a checksum of the file's bytes (one streamed pass) plus the
schema's own fingerprint, so an edited catalogue or a changed schema is always validated afresh. Each
catalogue has two entries: the whole document, and the query document a ranking reads (`load_query`: each
provider without its prose), so `compare` and `cost` parse about 60% of the bytes. The cache is derived data and is
never trusted blindly: each entry carries a checksum of its own bytes, checked on read with its key, its
size and its shape; an entry that fails any check is ignored and rebuilt. The directory is private (0700)
and not used when another user can write to it; renderers escape control characters whatever the source
of a string. (CRC-32 and Adler-32 with the length, not SHA-256: importing hashlib's OpenSSL costs several
milliseconds on every run, and the checksum guards against corruption and stray edits, not an attacker,
whom the directory's permissions keep out.)
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

from . import __version__
from .errors import CatalogueError, CatalogueMissing, CatalogueTooLarge, too_many_digits
from .fileio import ReadRefused, decode_text, iter_limited, read_limited

if TYPE_CHECKING:
    from .document import AlternativeDoc, CatalogueDoc, ProviderDoc, QueryDoc, RankedProviderDoc, RuleDoc
    from .models import Catalogue


# Stops absurd inputs, not big real ones: a realistic 10,000-provider catalogue is about 96 MB.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
_CACHE_KEEP = 8  # catalogues whose validated entries are kept (two files each: full and query)


class LoadedCatalogue(NamedTuple):
    """A validated catalogue document and where it came from."""

    path: str
    data: CatalogueDoc
    cache_entry: Path | None = None  # the cache file it was read from, if it was (see ketacli.cli: self-healing)

    @property
    def providers(self) -> list[ProviderDoc]:
        return self.data["providers"]

    @property
    def alternatives(self) -> list[AlternativeDoc]:
        return self.data["alternatives"]

    @property
    def rules(self) -> list[RuleDoc]:
        return self.data["rules"]


class LoadedQuery(NamedTuple):
    """A validated catalogue's query document (providers without their prose), and where it came from."""

    path: str
    data: QueryDoc
    cache_entry: Path | None = None

    @property
    def undated_sources(self) -> dict[str, int]:
        return self.data["undated_sources"]

    @property
    def providers(self) -> list[RankedProviderDoc]:
        return self.data["providers"]

    @property
    def alternatives(self) -> list[AlternativeDoc]:
        return self.data["alternatives"]

    @property
    def rules(self) -> list[RuleDoc]:
        return self.data["rules"]


# The shipped catalogue's validated documents, committed beside the code and made from providers.toml by
# `python -m ketacli.catalogue` (`write_builtin`) after editing it or the models; tests/test_document.py fails,
# naming that command, while they differ from what validation gives. A first run, every KETACLI_NO_CACHE run and
# `catalog validate` of the built-in catalogue read them instead of parsing TOML and importing pydantic.
BUILTIN_DIR = Path(__file__).with_name("builtin")


def builtin_catalogue_path() -> Path:
    """The providers.toml shipped in the wheel, or the repository's own in a source checkout."""
    packaged = Path(__file__).with_name("providers.toml")  # where the wheel puts it (pyproject.toml)
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "providers.toml"


def read_catalogue_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a catalogue file through the guarded reader: a regular file, at most max_bytes."""
    with _read_errors(path):
        return read_limited(path, max_bytes)


def catalogue_checksum(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[int, str]:
    """The size and checksum (`_checksum`) of a catalogue file's bytes, read a chunk at a time: one pass over
    the file, and no copy of a 100 MB catalogue held just to look its document up in the cache."""
    size, crc, adler = 0, 0, 1
    with _read_errors(path):
        for chunk in iter_limited(path, max_bytes):
            size, crc, adler = size + len(chunk), zlib.crc32(chunk, crc), zlib.adler32(chunk, adler)
    return size, f"{size:x}-{crc:08x}-{adler:08x}"


@contextlib.contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    """A catalogue that cannot be read, as one `CatalogueError` naming the file and what to do."""
    try:
        yield
    except ReadRefused as exc:
        if "limit" in str(exc):
            raise CatalogueTooLarge(f"{path}: too large: {exc} (raise it with KETACLI_MAX_CATALOG_BYTES)") from None
        raise CatalogueError(f"{path}: {exc}; pass the path of a catalogue file") from None
    except FileNotFoundError:
        raise CatalogueMissing(path) from None
    except IsADirectoryError:
        raise CatalogueError(f"{path}: is a directory; pass the path of a .toml catalogue") from None
    except PermissionError:
        raise CatalogueError(f"{path}: permission denied; make the file readable") from None
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read file: {exc.strerror or exc}") from None


def parse_document(raw: bytes, path: str) -> dict[str, Any]:
    """A catalogue as TOML, or as JSON (what `catalog export --format json` writes): by the `.json`
    extension, or by content (a TOML document cannot start with "{")."""
    if path.lower().endswith(".json") or raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return parse_json(raw, path)
    return parse_toml(raw, path)


def parse_json(raw: bytes, path: str) -> dict[str, Any]:
    try:
        document = json.loads(decode_text(raw))
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            f"{path}: not UTF-8 text (bad byte at offset {exc.start}); save the file as UTF-8"
        ) from None
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{path}: invalid JSON: {exc.msg} (at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise CatalogueError(f"{path}: invalid JSON: nested too deeply") from None
    except ValueError as exc:
        raise CatalogueError(f"{path}: {too_many_digits(exc) or exc}; fix that number") from None
    if not isinstance(document, dict):
        raise CatalogueError(f"{path}: a JSON catalogue must be an object at the top level")
    return document


def parse_toml(raw: bytes, path: str) -> dict[str, Any]:
    """Decode UTF-8 and parse TOML, naming line and column on a syntax error.

    tomli, not the standard library's tomllib: the same parser, but its wheels are compiled (mypyc), which
    parses a large catalogue about 2.8 times faster (benchmarks/bench_scale.py)."""
    import tomli as tomllib

    try:
        text = decode_text(raw)
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            f"{path}: not UTF-8 text (bad byte at offset {exc.start}); save the file as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise CatalogueError(f"{path}: invalid TOML: nested too deeply") from None
    except ValueError as exc:
        raise CatalogueError(f"{path}: {too_many_digits(exc) or exc}; fix that number") from None


def validate_document(document: Mapping[str, object], path: str) -> Catalogue:
    """Validate a parsed document against the schema; return the `Catalogue` model.

    Every problem pydantic finds is reported, each as `path: key.path: message`.
    """
    from pydantic import ValidationError

    from .models import Catalogue

    try:
        return Catalogue.model_validate(document)
    except ValidationError as exc:
        problems = format_validation_errors(exc, path)
        more = len(problems) - 1
        summary = problems[0] if not more else f"{problems[0]} (and {more} more problem{'s' if more != 1 else ''})"
        raise CatalogueError(summary, problems) from None
    except RecursionError:
        raise CatalogueError(f"{path}: document nested too deeply") from None


def format_validation_errors(exc: Any, path: str) -> list[str]:
    """pydantic errors as 'file: providers[2].plans[0].price: message', union branches merged."""
    messages: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        key_path = _key_path(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see `ketacli catalog schema`)"
        elif error["type"] == "missing":
            message = "required key is missing"
        bucket = messages.setdefault(key_path, [])
        if message not in bucket:
            bucket.append(message)
    return [f"{path}: {key or '(top level)'}: {' or '.join(msgs)}" for key, msgs in messages.items()]


def _key_path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "[" in part or "(" in part:  # a union branch or validator name, not a key
            continue
        else:
            text += f".{part}" if text else part
    return text


# Every module whose code decides what a validated document looks like: the schema and its validators
# (models, states, textsafe), money's JSON form (money), and how the document is produced (catalogue).
# A change to any of them, or another pydantic, makes every cached document stale.
SHAPING_MODULES = ("models.py", "money.py", "states.py", "textsafe.py", "pricing.py", "catalogue.py")


def shaping_files() -> list[Path]:
    """The files stamped into the cache key: ketacli's shaping modules and the installed pydantic's version."""
    here = Path(__file__).resolve().parent
    files = [here / name for name in SHAPING_MODULES]
    import importlib.util

    spec = importlib.util.find_spec("pydantic")  # finds the package without importing it (start-up time)
    if spec is not None and spec.origin:
        files.append(Path(spec.origin).with_name("version.py"))
    return files


def schema_fingerprint() -> str:
    """Changes whenever a module that shapes the document, pydantic or the version changes (size and mtime of
    each: a few stat calls, not a hash of the sources)."""
    stamps = []
    for path in shaping_files():
        try:
            info = path.stat()
            stamps.append(f"{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            stamps.append("?")
    return f"{__version__}:{','.join(stamps)}"


Part = Literal["full", "query"]


def load_catalogue(
    path: Path | None = None,
    *,
    cache_dir: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> LoadedCatalogue:
    """Load and validate a catalogue (the built-in one when path is None), using the cache if given."""
    shown, data, entry = _load(path, cache_dir, max_bytes, "full")
    return LoadedCatalogue(shown, cast("CatalogueDoc", data), entry)


def load_query(
    path: Path | None = None,
    *,
    cache_dir: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> LoadedQuery:
    """`load_catalogue`, but only the query document: what a ranking reads, without the prose."""
    shown, data, entry = _load(path, cache_dir, max_bytes, "query")
    return LoadedQuery(shown, cast("QueryDoc", data), entry)


def _load(
    path: Path | None, cache_dir: Path | None, max_bytes: int, part: Part
) -> tuple[str, dict[str, Any], Path | None]:
    """The document (`part`) of a catalogue, where it came from, and the cache entry it was read from."""
    source = path if path is not None else builtin_catalogue_path()
    shown = str(source)
    if path is None:
        prebuilt = _read_builtin(source, part, max_bytes)
        if prebuilt is not None:
            return shown, prebuilt, None
    if cache_dir is not None:
        from .fileio import sweep_stale_temps

        sweep_stale_temps(cache_dir, ".catalogue-")  # what a killed writer left, on warm runs too
        size, checksum = catalogue_checksum(source, max_bytes)
        key = _cache_key(checksum)
        cached = _read_cache(cache_dir, key, part, _cache_limit(size))
        if cached is not None:
            return shown, cached, _entry_path(cache_dir, key, part)
    raw = read_catalogue_bytes(source, max_bytes)
    model = validate_document(parse_document(raw, shown), shown)
    data = cast("CatalogueDoc", model.model_dump(mode="json"))  # the one place the typed document is made
    documents: dict[Part, Any] = {"full": data}
    if part == "query" or cache_dir is not None:
        documents["query"] = query_document(data)
    if cache_dir is not None:
        # Keyed by the bytes validated, not those checksummed above: the file may have changed in between.
        _write_cache(cache_dir, _cache_key(_checksum(raw)), documents)
    return shown, documents[part], None


def builtin_documents(source: Path | None = None) -> dict[Part, bytes]:
    """The files `BUILTIN_DIR` holds for the built-in catalogue: per part, a header line naming the checksum of
    the providers.toml they were made from, then the validated document (as the cache writes it)."""
    path = source if source is not None else builtin_catalogue_path()
    raw = read_catalogue_bytes(path)
    data = cast("CatalogueDoc", validate_document(parse_document(raw, str(path)), str(path)).model_dump(mode="json"))
    documents: dict[Part, Any] = {"full": data, "query": query_document(data)}
    made: dict[Part, bytes] = {}
    for part, document in documents.items():
        header = json.dumps({"source": _checksum(raw), "part": part}).encode()
        made[part] = header + b"\n" + json.dumps(document, separators=(",", ":")).encode() + b"\n"
    return made


def write_builtin() -> None:
    """Make `BUILTIN_DIR`'s documents from the repository's providers.toml (after editing it, or the models)."""
    BUILTIN_DIR.mkdir(exist_ok=True)
    for part, body in builtin_documents().items():
        (BUILTIN_DIR / f"{part}.json").write_bytes(body)


def prebuilt_builtin(source: Path) -> CatalogueDoc | None:
    """The built-in catalogue's validated document when `source` is that file and its bytes are the ones it
    was made from (so validating it gives the same): what `catalog validate` reports without validating."""
    if source.resolve() != builtin_catalogue_path().resolve():
        return None
    return cast("CatalogueDoc | None", _read_builtin(source, "full", DEFAULT_MAX_BYTES))


def _read_builtin(source: Path, part: Part, max_bytes: int) -> dict[str, Any] | None:
    """The prebuilt document of the built-in catalogue, when it was made from these very bytes; else None (a
    source checkout whose providers.toml was edited since, or a package without them): validate as usual."""
    try:
        raw = read_limited(BUILTIN_DIR / f"{part}.json", _cache_limit(max_bytes))
    except (OSError, ReadRefused):
        return None
    start = raw.find(b"\n") + 1
    try:
        header = json.loads(raw[:start])
        if header != {"source": catalogue_checksum(source, max_bytes)[1], "part": part}:
            return None
        document = json.loads(memoryview(raw)[start:].tobytes())
    except (ValueError, RecursionError):
        return None
    return cast("dict[str, Any]", document) if _looks_like_document(document, part) else None


def query_document(data: CatalogueDoc) -> QueryDoc:
    """The document a ranking reads: each provider without its prose (document.RankedProviderDoc)."""
    from .document import RANKED_KEYS
    from .freshness import undated_sources

    providers = [cast("RankedProviderDoc", {k: v for k, v in p.items() if k in RANKED_KEYS}) for p in data["providers"]]
    return {**data, "providers": providers, "undated_sources": undated_sources(data["providers"])}


def _cache_limit(catalogue_bytes: int) -> int:
    """The largest cache entry read for a catalogue of this size (a validated document is about as large)."""
    return 4 * catalogue_bytes + (1 << 20)


def _cache_key(checksum: str) -> str:
    """The catalogue's checksum and the schema's fingerprint: either changing makes a new entry."""
    return f"{checksum}-{zlib.crc32(schema_fingerprint().encode()):08x}"


_REQUIRED = {"schema_version": int, "title": str, "disclaimer": str, "sources": list, "safety": dict,
             "providers": list, "alternatives": list}  # fmt: skip


def _looks_like_document(document: Any, part: Part) -> bool:
    """The shape every command relies on; an entry of any other shape is ignored, never trusted."""
    if not isinstance(document, dict):
        return False
    required = {**_REQUIRED, "undated_sources": dict} if part == "query" else _REQUIRED
    if any(not isinstance(document.get(key), kind) for key, kind in required.items()):
        return False
    entries = document["providers"] + document["alternatives"]
    return all(isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("name"), str) for e in entries)


def private_dir(cache_dir: Path) -> bool:
    """Create the cache directory private (0700); use it only when no other user can write to it."""
    from .fileio import not_ours_alone

    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return not_ours_alone(os.stat(cache_dir)) is None
    except OSError:
        return False


def _checksum(body: bytes | memoryview) -> str:
    return f"{len(body):x}-{zlib.crc32(body):08x}-{zlib.adler32(body):08x}"


def _entry_path(cache_dir: Path, key: str, part: Part) -> Path:
    return cache_dir / (f"catalogue-{key}.json" if part == "full" else f"catalogue-{key}.query.json")


def _read_cache(cache_dir: Path, key: str, part: Part, limit: int) -> dict[str, Any] | None:
    """The cached document for `key`, or None: a missing, oversize, edited, truncated or foreign entry is
    ignored (and rebuilt by the caller), never an error. The cache is derived data: nothing in it is
    trusted until its checksum, its key and its shape agree."""
    from .fileio import read_limited

    if not private_dir(cache_dir):
        return None
    try:
        raw = read_limited(_entry_path(cache_dir, key, part), limit, follow_symlinks=False)
        start = raw.find(b"\n") + 1
        header = json.loads(raw[:start])
        body = memoryview(raw)[start:]  # views, not copies: an entry can be 100 MB
        expected = {"cache_key": key, "part": part, "checksum": _checksum(body)}
        if not isinstance(header, dict) or any(header.get(name) != value for name, value in expected.items()):
            return None
        text = str(body, "ascii")  # json.dumps wrote it ASCII-only
        del body, raw  # parse without the bytes still held
        document = json.loads(text)
    except (OSError, ValueError, RecursionError):
        return None
    return cast("dict[str, Any]", document) if _looks_like_document(document, part) else None


def cache_entry_is_current(entry: Path, source: Path | None, max_bytes: int = DEFAULT_MAX_BYTES) -> bool:
    """Whether a cache entry holds exactly what validating `source` (None: the built-in catalogue) gives now.
    The CLI asks before it blames the cache for an error: a good entry is never deleted for another's fault."""
    from .errors import KetaError
    from .fileio import ReadRefused, read_limited

    try:
        raw = read_limited(entry, entry.stat().st_size, follow_symlinks=False)
        start = raw.find(b"\n") + 1
        part = json.loads(raw[:start]).get("part")
        path = source if source is not None else builtin_catalogue_path()
        shown = str(path)
        data = validate_document(parse_document(read_catalogue_bytes(path, max_bytes), shown), shown)
        dumped = cast("CatalogueDoc", data.model_dump(mode="json"))
    except (OSError, ReadRefused, ValueError, AttributeError, KeyError, TypeError, KetaError):
        return False
    document = dumped if part == "full" else query_document(dumped) if part == "query" else None
    return document is not None and raw[start:] == json.dumps(document, separators=(",", ":")).encode()


def _write_cache(cache_dir: Path, key: str, documents: dict[Part, Any]) -> None:
    """Best effort: a cache that cannot be written only costs speed, never correctness. One entry per part:
    the whole document, and the query document that `compare` and `cost` read."""
    from .fileio import sweep_stale_temps, write_atomic

    if not private_dir(cache_dir):
        return
    try:
        for part, document in documents.items():
            body = json.dumps(document, separators=(",", ":")).encode()
            header = json.dumps({"cache_key": key, "part": part, "checksum": _checksum(body)}).encode()
            entry = _entry_path(cache_dir, key, part)
            if entry.is_dir() and not entry.is_symlink():  # a folder by that name would keep every run cold
                import shutil

                shutil.rmtree(entry, ignore_errors=True)
            # A symlink planted as an entry is replaced by the new file, never written through.
            write_atomic(entry, header + b"\n" + body, mode=0o600, follow_symlinks=False)
        sweep_stale_temps(cache_dir, ".catalogue-")
        _keep_newest_entries(cache_dir)
    except OSError:
        pass


def _keep_newest_entries(cache_dir: Path) -> None:
    """The cache stays bounded: the newest validated entries (two per catalogue). Anything else by the cache's
    names (0.8 and 0.9 kept precomputed answers there, `catalogue-*.answers*.json`) is removed."""
    entries = sorted(cache_dir.glob("catalogue-*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    documents = [e for e in entries if e.name.count(".") == 1 or e.name.endswith(".query.json")]  # _entry_path's
    others = [e for e in entries if e not in documents]
    for stale in documents[2 * _CACHE_KEEP :] + others:
        if stale.is_dir() and not stale.is_symlink():
            import shutil

            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def export_document(loaded: LoadedCatalogue) -> dict[str, Any]:
    """The catalogue as TOML-ready Python data: real dates, whole dollars as ints, no nulls."""
    from decimal import Decimal

    model = validate_document(loaded.data, loaded.path)

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else value
        return value

    return cast("dict[str, Any]", plain(model.model_dump(mode="python", exclude_none=True)))


if __name__ == "__main__":  # python -m ketacli.catalogue: the built-in documents, made afresh
    write_builtin()
