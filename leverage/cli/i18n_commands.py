"""`i18n extract | update | check`: the translation catalogs kept in step with the code, with Babel's API.

Why here and not `pybabel`: the project has two templates from two source trees (`leverage/` and the
Streamlit front end), and several Spanish `.po` files per language so that people translating different
parts do not edit the same file. `pybabel update` knows one template per catalog; `update` below also
decides which `.po` file a new front-end message goes to (`app.po`), and `check` is the completeness
test that a test and continuous integration run.

- `extract` writes `leverage/locales/leverage.pot` (from `leverage/`) and `leverage/locales/app.pot`
  (from `dashboard.py`, `ui/`, `pages/`), keywords `_`, `gettext`, `N_` and `ngettext:1,2`.
- `update` merges them into every language's `.po` files, keeping the translations: `leverage.po` takes
  `leverage.pot`; any other `.po` (e.g. `pages.po`) keeps the front-end msgids it already holds, and
  `app.po` takes the rest of `app.pot`, new messages included.
- `check` lists every message that is untranslated, fuzzy, has placeholders unlike its msgid, or is in a
  template but in none of the language's `.po` files; exit code 1 when there is any.
"""

from __future__ import annotations

import argparse
import copy
import re
import string
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

LIBRARY_TEMPLATE = "leverage.pot"
APP_TEMPLATE = "app.pot"
LIBRARY_CATALOG = "leverage.po"
APP_CATALOG = "app.po"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
APP_SOURCES = ("dashboard.py", "ui", "pages")
HEADER = ("# {what} for Leverage, kept with `python -m leverage i18n extract | update | check`.\n"
          "# This file is distributed under the same license as the Leverage project.\n#")
_PERCENT = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")  # named only: "90 % interval" is text


def repository_root() -> Path:
    """The folder holding `leverage/`, `ui/` and `pages/` (this file is leverage/cli/i18n_commands.py)."""
    return Path(__file__).resolve().parent.parent.parent


def locale_dir(root: Path) -> Path:
    return root / "leverage" / "locales"


def _extracted(root: Path, sources: Iterable[str]) -> Iterator[tuple[str, int, str | tuple[str, ...]]]:
    """(path relative to `root`, line, message) of every marked string in `sources` (files or folders)."""
    from babel.messages.extract import extract_from_dir, extract_from_file

    for source in sources:
        path = root / source
        if path.is_file():
            found = ((source, *m) for m in extract_from_file("python", str(path), keywords=KEYWORDS))
            for name, lineno, message, _comments, _context in found:
                yield name, lineno, message
        elif path.is_dir():
            for name, lineno, message, _comments, _context in extract_from_dir(
                    str(path), [("**.py", "python")], keywords=KEYWORDS):
                yield f"{source}/{name}", lineno, message


def template(root: Path, sources: Iterable[str]):
    """A `.pot` catalog of the strings marked in `sources`, each with every place it is used."""
    from babel.messages.catalog import Catalog

    pot = Catalog(project="Leverage", fuzzy=False, charset="utf-8",
                  header_comment=HEADER.format(what="Translations template"))
    for name, lineno, message in _extracted(root, sources):
        pot.add(message, None, [(name, lineno)])
    return pot


def _write(catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, ignore_obsolete=True, sort_output=False)


def _read(path: Path, language: str | None = None):
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def extract(root: Path) -> list[Path]:
    """Write both templates; returns their paths."""
    folder = locale_dir(root)
    written = []
    for name, sources in ((LIBRARY_TEMPLATE, ("leverage",)), (APP_TEMPLATE, APP_SOURCES)):
        _write(template(root, sources), folder / name)
        written.append(folder / name)
    return written


def languages(root: Path) -> list[str]:
    """The languages with a catalog folder (`locales/<lang>/LC_MESSAGES`)."""
    return sorted(p.parent.name for p in locale_dir(root).glob("*/LC_MESSAGES") if p.is_dir())


def _restricted(pot, keep: set):
    """A copy of template `pot` holding only the messages whose id is in `keep`."""
    out = copy.deepcopy(pot)
    for message in list(out):
        if message.id and message.id not in keep:
            del out[message.id]
    return out


def _merge(pot, path: Path, language: str) -> None:
    """Merge template `pot` into the `.po` file at `path` (created when missing), keeping translations."""
    from babel.messages.catalog import Catalog

    header = HEADER.format(what=f"Translations ({language})")
    po = _read(path, language) if path.exists() else Catalog(locale=language, project="Leverage", fuzzy=False,
                                                             header_comment=header)
    po.update(pot, no_fuzzy_matching=True, update_header_comment=False)
    po.fuzzy = False
    _write(po, path)


def _ids(path: Path) -> set:
    return {m.id for m in _read(path) if m.id}


def update(root: Path) -> list[Path]:
    """Merge both templates into every language's `.po` files; returns the files written."""
    folder = locale_dir(root)
    library, app = _read(folder / LIBRARY_TEMPLATE), _read(folder / APP_TEMPLATE)
    written = []
    for language in languages(root):
        messages = folder / language / "LC_MESSAGES"
        _merge(library, messages / LIBRARY_CATALOG, language)
        written.append(messages / LIBRARY_CATALOG)
        held_elsewhere: set = set()
        for other in sorted(messages.glob("*.po")):
            if other.name in (LIBRARY_CATALOG, APP_CATALOG):
                continue
            held = _ids(other)
            held_elsewhere |= held
            _merge(_restricted(app, held), other, language)
            written.append(other)
        rest = {m.id for m in app if m.id} - held_elsewhere
        _merge(_restricted(app, rest), messages / APP_CATALOG, language)
        written.append(messages / APP_CATALOG)
    return written


def placeholders(text: str) -> list[str]:
    """The named and positional fields of `text`, `{name}` and `%(name)s` alike, sorted ("" when malformed)."""
    found = [f"%({m.group(1)})" for m in _PERCENT.finditer(text)]
    try:
        found += [f"{{{field}}}" for _literal, field, _spec, _conv in string.Formatter().parse(text)
                  if field is not None]
    except ValueError:
        found.append("<unbalanced braces>")
    return sorted(found)


def _forms(value: str | tuple | list | None) -> list[str]:
    if value is None:
        return [""]
    return [str(v or "") for v in value] if isinstance(value, tuple | list) else [value]


def problems(root: Path) -> list[str]:
    """Every message a person would see untranslated or wrong, one line each ([] when complete)."""
    folder = locale_dir(root)
    templates = {name: _ids(folder / name) for name in (LIBRARY_TEMPLATE, APP_TEMPLATE)
                 if (folder / name).exists()}
    found = []
    for language in languages(root):
        held: dict[str, set] = {}
        for path in sorted((folder / language / "LC_MESSAGES").glob("*.po")):
            where = f"{language}/{path.name}"
            held[path.name] = set()
            for message in _read(path, language):
                if not message.id:
                    continue
                held[path.name].add(message.id)
                ids, strings = _forms(message.id), _forms(message.string)
                shown = ids[0].replace("\n", "\\n")[:80]
                if message.fuzzy:
                    found.append(f"{where}: fuzzy: {shown!r}")
                elif not all(strings):
                    found.append(f"{where}: untranslated: {shown!r}")
                elif any(placeholders(s) != placeholders(ids[min(i, len(ids) - 1)]) for i, s in enumerate(strings)):
                    found.append(f"{where}: placeholders differ from the msgid: {shown!r}")
        everything = set().union(*held.values()) if held else set()
        for name, ids in templates.items():
            for missing in sorted(ids - (held.get(LIBRARY_CATALOG, set()) if name == LIBRARY_TEMPLATE else
                                         everything), key=str):
                shown = _forms(missing)[0][:80]
                found.append(f"{language}: in {name} but in no .po file (run `i18n update`): {shown!r}")
    return found


def cmd_i18n(args: argparse.Namespace) -> int:
    root = Path(args.root) if args.root else repository_root()
    if args.action == "extract":
        for path in extract(root):
            print(f"wrote {path}", file=sys.stderr)
        return 0
    if args.action == "update":
        for path in update(root):
            print(f"updated {path}", file=sys.stderr)
        return 0
    found = problems(root)
    for line in found:
        print(line)
    print(f"{len(found)} message(s) to fix" if found else "every catalog is complete", file=sys.stderr)
    return 1 if found else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("i18n", help="translations: extract the templates, update the .po files, check them",
                       description="extract: write leverage/locales/leverage.pot and app.pot from the code. "
                                   "update: merge them into every language's .po files, keeping translations. "
                                   "check: list untranslated, fuzzy or placeholder-mismatched messages (exit 1).")
    p.add_argument("action", choices=("extract", "update", "check"))
    p.add_argument("--root", metavar="DIR", help="the repository's folder (default: the installed one)")
    p.set_defaults(func=cmd_i18n)
