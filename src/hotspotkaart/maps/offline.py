"""Make rendered maps self-contained: inline vendored Leaflet and plugin files.

A map must open without network access (file share, e-mail attachment, phone in the field); the
only requests it may make are basemap tiles. :func:`inline_assets` replaces every external
``<script src>`` and ``<link rel="stylesheet">`` of a rendered page by the contents of the
matching file vendored under ``hotspotkaart/maps/_assets`` (see the README there), and
:func:`external_references` lists whatever network loads remain.

Files are matched by npm package name and file name found in the URL, so
``https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js`` and
``https://cdnjs.cloudflare.com/ajax/libs/leaflet/1.9.4/leaflet.min.js`` both resolve to
``leaflet/dist/leaflet.js``. Adding a plugin means vendoring its files and adding one
:class:`VendoredPackage` to :data:`VENDORED`.
"""

from __future__ import annotations

import base64
import binascii
import html as html_lib
import logging
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, urlsplit

from hotspotkaart._errors import OutputError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VendoredPackage:
    """One npm package copied verbatim into ``_assets/<name>/``.

    Parameters
    ----------
    name
        npm package name; also the folder name under ``_assets``.
    version
        Vendored version.
    license
        SPDX identifier of the licence.
    license_file
        Licence file, relative to the package folder.
    js, css
        Script and stylesheet files relative to the package folder, in load order.
    aliases
        Other names the package is published under on CDNs (cdnjs, GitHub), lower case.
    epilogue
        Returns JavaScript appended after the package's scripts, or ``None``.
    own
        Whether the scripts are the tool's own, written to be read: they are inlined without
        their comments, indentation and blank lines (:func:`compact_js`). Vendored files are
        inlined verbatim.

    """

    name: str
    version: str
    license: str
    license_file: str
    js: tuple[str, ...] = ()
    css: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    epilogue: Callable[[], str] | None = None
    own: bool = False


def _leaflet_icon_epilogue() -> str:
    """Point ``L.Icon.Default`` at data URIs; its CSS-based image path detection fails on them."""
    base = "leaflet/dist/images/"
    return (
        'L.Icon.Default.imagePath = "";\n'
        "L.Icon.Default.mergeOptions({"
        f'iconUrl: "{data_uri(base + "marker-icon.png")}", '
        f'iconRetinaUrl: "{data_uri(base + "marker-icon-2x.png")}", '
        f'shadowUrl: "{data_uri(base + "marker-shadow.png")}"}});\n'
    )


VENDORED: tuple[VendoredPackage, ...] = (
    VendoredPackage("leaflet", "1.9.4", "BSD-2-Clause", "LICENSE", js=("dist/leaflet.js",),
                    css=("dist/leaflet.css",), epilogue=_leaflet_icon_epilogue),
    VendoredPackage("leaflet.sync", "0.2.4", "BSD-3-Clause", "LICENSE", js=("L.Map.Sync.js",),
                    aliases=("leaflet-sync",)),
    VendoredPackage("leaflet-draw", "1.0.4", "MIT", "MIT-LICENSE.md",
                    js=("dist/leaflet.draw.js",), css=("dist/leaflet.draw.css",),
                    aliases=("leaflet.draw",)),
    VendoredPackage("leaflet.locatecontrol", "0.90.1", "MIT", "LICENSE.md",
                    js=("dist/L.Control.Locate.min.js",), css=("dist/L.Control.Locate.min.css",),
                    aliases=("leaflet-locatecontrol",)),
    VendoredPackage("leaflet-search", "4.0.0", "MIT", "license.txt",
                    js=("dist/leaflet-search.min.js",), css=("dist/leaflet-search.min.css",)),
    VendoredPackage("hotspotkaart", "1", "EUPL-1.2", "LICENSE", js=("featurestore.js",),
                    own=True),
)  # fmt: skip
"""Every vendored package; the single place to register a new one."""

_MIME = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".jpg": "image/jpeg",
         ".woff": "font/woff", ".woff2": "font/woff2"}  # fmt: skip
_LOCAL_SCHEMES = ("data:", "blob:", "#", "about:")
_VARIANT_SUFFIX_RE = re.compile(r"(?:[.-](?:min|src|umd))+$")
# The "<" shared by every alternative is written once, in front: the regex engine then jumps
# from one "<" to the next instead of trying each alternative at every character of the page.
_ELEMENT_RE = re.compile(
    r"<(?:!--.*?-->"
    r"|script\b(?P<script>[^>]*)>.*?</script\s*>"
    r"|style\b[^>]*>.*?</style\s*>"
    r"|link\b(?P<link>[^>]*)>)",
    re.IGNORECASE | re.DOTALL,
)
_DROPPED_ATTRS = frozenset({"src", "href", "rel", "integrity", "crossorigin", "referrerpolicy",
                            "async", "defer", "as"})  # fmt: skip
_ATTR_RE = re.compile(r"""([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_CSS_URL_RE = re.compile(
    r"""url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^"'()\s]*))\s*\)""", re.IGNORECASE
)
_Q = r"""(?:\\?["']|&quot;|&\#39;|&\#x27;)?"""  # optional (escaped) quote before a URL
_NET = r"""((?:https?:)?//[^\s"'`\\<>()]+)"""
# Each pattern starts with a literal so that scanning megabytes of inline GeoJSON stays fast.
_ASSIGNED_URL_RE = re.compile(rf"=\s*{_Q}\s*{_NET}")
_ATTR_NAME_RE = re.compile(r"(?<![\w:-])([\w:-]+)\s*$")
_LOAD_ATTRS = frozenset({"src", "srcset", "poster", "href", "xlink:href"})
_REFERENCE_RES = (
    re.compile(rf"url\(\s*{_Q}\s*{_NET}"),
    re.compile(rf"@import\s+(?:url\()?\s*{_Q}\s*{_NET}"),
    re.compile(rf"""fetch\(\s*\\?["'`]\s*{_NET}"""),
)
_TAG_START_RE = re.compile(r"(?:<|\\u003c|\\x3c|&lt;)([a-z][\w:-]*)", re.I)
# ``data:text/html…;base64,…`` in any case. It is found from its colon, a literal the engine
# can jump to (a case-insensitive first letter makes it try every character of a page), with
# ``data`` checked behind it; a match starts _DATA_URI_LEAD characters before its colon.
_HTML_DATA_URI_RE = re.compile(r":(?<=(?i:data):)(?i:text/html[^,\"']*;base64,([A-Za-z0-9+/=]+))")
_DATA_URI_LEAD = len("data")
_TEMPLATE_RE = re.compile(r"\{(?:[xyzs]|-y)\}")


@cache
def asset_bytes(relpath: str) -> bytes:
    """Return the bytes of a vendored file, read with :mod:`importlib.resources`.

    Parameters
    ----------
    relpath
        Path relative to ``hotspotkaart/maps/_assets``, e.g. ``"leaflet/dist/leaflet.js"``.

    Raises
    ------
    OutputError
        If the path is invalid or the file is not shipped.

    """
    parts = relpath.split("/")
    if relpath.startswith("/") or any(p in ("", ".", "..") for p in parts):
        msg = (f"Invalid asset path {relpath!r}: use a relative path inside "
               "hotspotkaart/maps/_assets.")
        raise OutputError(msg)
    resource = files("hotspotkaart.maps").joinpath("_assets", *parts)
    if not resource.is_file():
        msg = f"Vendored asset {relpath!r} is missing from hotspotkaart/maps/_assets."
        raise OutputError(msg)
    return resource.read_bytes()


def asset_text(relpath: str) -> str:
    """Return a vendored text file decoded as UTF-8 (see :func:`asset_bytes`)."""
    return asset_bytes(relpath).decode("utf-8")


def data_uri(relpath: str) -> str:
    """Return a vendored file as a base64 ``data:`` URI."""
    mime = _MIME.get(posixpath.splitext(relpath)[1].lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(asset_bytes(relpath)).decode('ascii')}"


def vendored_package(name: str) -> VendoredPackage:
    """Return the registry entry of a vendored npm package by name or alias.

    Raises
    ------
    OutputError
        If no such package is vendored.

    """
    key = name.lower()
    for package in VENDORED:
        if key == package.name or key in package.aliases:
            return package
    msg = f"Package {name!r} is not vendored; known: {', '.join(p.name for p in VENDORED)}."
    raise OutputError(msg)


@cache
def vendored_js(name: str) -> str:
    """Return all scripts of a vendored package (plus epilogue), safe inside ``<script>``."""
    return "\n;\n".join(_script_file(name, rel) for rel in vendored_package(name).js)


@cache
def vendored_css(name: str) -> str:
    """Return all stylesheets of a vendored package with relative ``url()`` as data URIs."""
    package = vendored_package(name)
    return "\n".join(_css_file(f"{package.name}/{rel}") for rel in package.css)


def _escape_js(code: str) -> str:
    code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)
    return code.replace("<!--", "<\\!--")


@cache
def _css_file(relpath: str) -> str:
    """Return a vendored stylesheet with relative ``url()`` references as data URIs."""
    folder = posixpath.dirname(relpath)
    package_root = relpath.split("/", 1)[0] + "/"

    def replace(match: re.Match[str]) -> str:
        target = next(g for g in match.groups() if g is not None)
        if not target or target.lower().startswith(_LOCAL_SCHEMES):
            return match.group(0)
        if urlsplit(target).scheme or target.startswith("//"):
            msg = f"Vendored stylesheet {relpath!r} references {target!r}; vendor it as well."
            raise OutputError(msg)
        path = unquote(re.split(r"[?#]", target, maxsplit=1)[0])
        resolved = posixpath.normpath(posixpath.join(folder, path))
        if not resolved.startswith(package_root):
            msg = f"Vendored stylesheet {relpath!r} references {target!r} outside its package."
            raise OutputError(msg)
        return f'url("{data_uri(resolved)}")'

    css = _CSS_URL_RE.sub(replace, asset_text(relpath))
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


def _normalised_file(name: str) -> str:
    stem, ext = posixpath.splitext(name.lower())
    return _VARIANT_SUFFIX_RE.sub("", stem) + ext


def match_url(url: str, kind: str) -> tuple[VendoredPackage, str] | None:
    """Find the vendored file a CDN URL refers to.

    Parameters
    ----------
    url
        Script or stylesheet URL, e.g. ``https://unpkg.com/leaflet@1.9.3/dist/leaflet.css``.
    kind
        ``"js"`` or ``"css"``.

    Returns
    -------
    tuple of (VendoredPackage, str) or None
        The package and the file path within its folder; ``None`` when nothing matches. A
        match needs a path segment naming the package (``leaflet``, ``leaflet@1.9.3``) and a
        file name equal to a vendored one, ignoring ``.min``/``-src``/``.umd`` variants.

    """
    segments = [unquote(s).lower() for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return None
    wanted = _normalised_file(segments[-1])
    names = {s if s.startswith("@") else s.partition("@")[0] for s in segments[:-1]}
    for package in VENDORED:
        if not names & {package.name, *package.aliases}:
            continue
        for rel in package.js if kind == "js" else package.css:
            if _normalised_file(posixpath.basename(rel)) == wanted:
                return package, rel
    return None


def _attributes(raw: str) -> list[tuple[str, str, str]]:
    """Return ``(name, value, source text)`` for each attribute of a tag."""
    found = []
    for m in _ATTR_RE.finditer(raw):
        value = html_lib.unescape(next((g for g in m.groups()[1:] if g), ""))
        found.append((m.group(1).lower(), value, m.group(0)))
    return found


def _inline_element(match: re.Match[str]) -> str:
    raw = match.group("script") if match.group("script") is not None else match.group("link")
    if raw is None:  # comment or inline style
        return match.group(0)
    kind = "js" if match.group("script") is not None else "css"
    attrs = _attributes(raw)
    values = {name: value for name, value, _ in attrs}
    url = values.get("src" if kind == "js" else "href", "").strip()
    is_stylesheet = "stylesheet" in values.get("rel", "").lower().split()
    if not url or url.lower().startswith(_LOCAL_SCHEMES) or (kind == "css" and not is_stylesheet):
        return match.group(0)
    found = match_url(url, kind)
    if found is None:
        msg = (
            f"External {'script' if kind == 'js' else 'stylesheet'} {url} has no vendored copy, "
            "so the map would not be self-contained; vendor it in hotspotkaart/maps/_assets."
        )
        raise OutputError(msg)
    package, rel = found
    logger.debug("Inlining %s as %s@%s/%s", url, package.name, package.version, rel)
    dropped = _DROPPED_ATTRS | ({"type"} if kind == "css" else set())
    kept = "".join(" " + source for name, _, source in attrs if name not in dropped)
    if kind == "css":
        return f"<style{kept}>\n{_css_file(f'{package.name}/{rel}')}\n</style>"
    return f"<script{kept}>\n{_script_file(package.name, rel)}\n</script>"


@cache
def _script_file(name: str, rel: str) -> str:
    """Return a vendored script (with its package's epilogue after the last) escaped for inlining.

    Remembered: every page of a build inlines the same few files.
    """
    package = vendored_package(name)
    code = asset_text(f"{package.name}/{rel}")
    if package.own:
        code = compact_js(code)
    if package.epilogue is not None and rel == package.js[-1]:
        code = f"{code}\n;\n{package.epilogue()}"
    return _escape_js(code)


#: A comment of one of the tool's own scripts: a block comment, or ``//`` to the end of a line
#: after code or on its own (the scripts have no ``//`` or ``/*`` inside strings or regexes).
_OWN_COMMENT_RE = re.compile(r"/\*.*?\*/|(?:^|(?<=[;{},)]))[ \t]*//[^\n]*",
                             re.DOTALL | re.MULTILINE)


def compact_js(code: str) -> str:
    """Return one of the tool's own scripts without comments, indentation and blank lines.

    Only for the scripts written for this tool (``VendoredPackage.own``), which keep ``//``
    and ``/*`` out of their strings and regular expressions; every line stays a line, so
    automatic semicolon insertion sees the same code.
    """
    lines = (line.strip() for line in _OWN_COMMENT_RE.sub("", code).splitlines())
    return "\n".join(line for line in lines if line)


def inline_assets(html: str) -> str:
    """Replace external scripts and stylesheets by inline copies of vendored files.

    Every ``<script src>`` and ``<link rel="stylesheet" href>`` whose URL is not a ``data:``
    URI becomes a ``<script>``/``<style>`` element with the vendored file's content, in the
    original order. Relative ``url()`` references in stylesheets become data URIs, and
    ``</script`` in scripts is escaped. Comments, inline scripts and styles are left as is.

    Parameters
    ----------
    html
        A rendered page, e.g. ``folium.Map.get_root().render()``.

    Returns
    -------
    str
        The page with the vendored files inlined.

    Raises
    ------
    OutputError
        If a script or stylesheet URL matches no vendored file (the message names the URL).

    """
    return _ELEMENT_RE.sub(_inline_element, html)


def external_references(html: str) -> list[str]:
    """List the network resources a page would still load, in order of appearance.

    Looks for ``src``/``srcset``/``poster``/``href`` attributes, CSS ``url()`` and
    ``@import`` and ``fetch()`` with an http(s) or protocol-relative URL anywhere in the page,
    including HTML inside JavaScript strings and base64 ``data:text/html`` iframes. Ignored:
    ``href`` of ``<a>``/``<area>`` (a link a person clicks, such as the Kadaster attribution),
    tile URL templates with ``{z}``/``{x}``/``{y}``/``{s}`` placeholders, and plain strings
    such as XML namespaces.

    Parameters
    ----------
    html
        The page to check.

    Returns
    -------
    list of str
        Distinct URLs; empty for a self-contained page.

    """
    hits = [(m.start(), m.group(1)) for p in _REFERENCE_RES for m in p.finditer(html)]
    for match in _ASSIGNED_URL_RE.finditer(html):
        window = html[max(0, match.start() - 40) : match.start()]
        before = _ATTR_NAME_RE.search(window)
        name = before.group(1).lower() if before else ""
        dotted = before is not None and window[: before.start()].endswith(".")
        if name not in _LOAD_ATTRS or (dotted and "href" in name):
            continue  # not a loading attribute, or a JS ``x.href =`` assignment
        if "href" in name:
            tags = _TAG_START_RE.findall(html[max(0, match.start() - 4000) : match.start()])
            if tags and tags[-1].lower() in ("a", "area"):
                continue  # a link a person clicks
        hits.append((match.start(), match.group(1)))
    # as finditer: each match starts where the one before ended, or later, so its colon
    # _DATA_URI_LEAD characters after that
    end = 0
    while (uri := _HTML_DATA_URI_RE.search(html, end + _DATA_URI_LEAD)) is not None:
        end = uri.end()
        try:
            nested = base64.b64decode(uri.group(1)).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            continue
        start = uri.start() - _DATA_URI_LEAD
        hits.extend((start, url) for url in external_references(nested))
    ordered = (url for _, url in sorted(hits, key=lambda hit: hit[0]))
    return list(dict.fromkeys(url for url in ordered if not _TEMPLATE_RE.search(url)))


def make_self_contained(html: str, name: str = "the page") -> str:
    """Inline vendored assets, then fail if any network reference other than tiles remains.

    Parameters
    ----------
    html : str
        A rendered page.
    name : str
        What the page is called in the error (its file name when written).

    Raises
    ------
    OutputError
        If an asset has no vendored copy or a network reference remains (listed in the message).

    """
    inlined = inline_assets(html)
    remaining = external_references(inlined)
    if remaining:
        msg = (f"{name} would load {', '.join(remaining)} from the network; it must be "
               "self-contained")
        raise OutputError(msg)
    return inlined


def write_html(path: Path, page: str) -> None:
    """Write ``page`` to ``path`` as one self-contained, Dutch file.

    The page is made self-contained (:func:`make_self_contained`) and declares its language,
    ``<html lang="nl">``, so that screen readers pronounce it as Dutch (WCAG 3.1.1).
    """
    text = make_self_contained(page, path.name)
    text = re.sub(r"<html(?![^>]*\blang=)", '<html lang="nl"', text, count=1)
    path.write_text(text, encoding="utf-8")


__all__ = [
    "VENDORED", "VendoredPackage", "asset_bytes", "asset_text", "compact_js", "data_uri",
    "external_references", "inline_assets", "make_self_contained", "match_url", "vendored_css",
    "vendored_js", "vendored_package", "write_html",
]  # fmt: skip
