"""Word documents from a template compiled once per process: docxtpl's own steps, without
re-reading the package for every document.

docxtpl renders a document in these steps: read the whole package with python-docx; take
the XML of the body and of each header and footer and patch it (`patch_xml`: tags Word
split over several runs joined, `{%tr %}`-style tags lifted out of their row, cell,
paragraph or run, ...); render each part's Jinja template (`render_xml_part`: which also
applies `resolve_listing` and undoes the `{_{` escapes); re-parse the body and fix its tables
and its pictures' ids (`fix_tables`, `fix_docpr_ids`); render the core properties and the
footnotes; write every part of the package again, zipped.

Most of that is the same for every document of a template. A `Compiled` template does it
once: it reads the package, patches each part's XML (docxtpl's `patch_xml`), renders
whatever has no tag at all (then nothing in it depends on the values: the core
properties, the footnotes, headers and footers without tags), and zips every part that is
the same in every document with exactly the bytes python-docx writes for it. For each
document it then renders only the body and the headers and footers with tags, with
docxtpl's own `render_xml_part`, `fix_tables` and `fix_docpr_ids` and the same Jinja
environment, serialises them as python-docx does, places the pictures as docxtpl's
`InlineImage` places them (the same image parts, relationships, content types and inline
XML, from python-docx's own building blocks), and adds these parts to a copy of the zip.

The parts of the result are the same bytes as docxtpl's (tests/test_fill.py compares them,
part by part, for every kind of document in every language). Only the zip itself differs:
the unchanging parts carry the time they were compiled, not the time of the document, and
sit first in the file (the zip's directory lists every part in python-docx's order).

What this does not do, docxtpl still does (`compiled` returns None, or `fill` returns
None for one document): a template without core properties, tags in the core properties
or in footnotes, a picture placed in a header or footer, a template python-docx cannot
read. The caller then renders with docxtpl, which gives the same document, or the same
error, as before.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JINJA_SYNTAX = ("{{", "{%", "{#")  # the default environment's delimiters (`render._jinja`)
CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # docxtpl renders these
FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
CONTENT_TYPES = "[Content_Types].xml"
_CACHE_SIZE = 32  # a process renders a few templates, not hundreds
# a text run holding what docxtpl's resolve_listing rewrites: a tab, \a, a new line, a page break
_LISTING_TEXT = re.compile(r"<w:t[ >](?:(?!</w:t>).)*?[\t\a\n\f]", re.S)


class NeedsDocxtpl(Exception):
    """Something in this template or document that only docxtpl's full path handles."""


def _has_tags(text: str) -> bool:
    return any(mark in text for mark in JINJA_SYNTAX)


@dataclass
class _Story:
    """A header or footer with tags, rendered for every document."""

    partname: str
    source: str  # patched by docxtpl, ready for `render_xml_part`
    encoding: str
    part: _Placing


@dataclass
class _Image:
    partname: str
    content_type: str
    blob: bytes


class _Placing:
    """The part being rendered, as docxtpl's `InlineImage` sees it: it asks the part for
    `new_pic_inline`, which python-docx answers by adding an image part to the package (or
    finding one with the same bytes), relating it to the part, and making the inline XML
    sized and named from the image. Here the same, on the compiled package's bookkeeping,
    for one document at a time; a header or footer places no picture (docxtpl does that)."""

    def __init__(self, template: Compiled | None) -> None:
        self.template = template
        self.images: list[_Image] = []
        self.rels: list[tuple[str, str]] = []  # (rId, partname) of the relationships added

    def reset(self) -> None:
        self.images = []
        self.rels = []

    def new_pic_inline(self, image_descriptor: Any, width: Any, height: Any) -> Any:
        from docx.image.image import Image
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.oxml.shape import CT_Inline

        template = self.template
        if template is None:
            raise NeedsDocxtpl("a picture in a header or footer")
        image = Image.from_file(image_descriptor)
        known = dict(template.image_sha1)
        known.update((hashlib.sha1(i.blob).hexdigest(), i.partname) for i in self.images)
        partname = known.get(image.sha1)
        if partname is None:  # python-docx's ImageParts._next_image_partname
            used = template.image_numbers + [PackURI(i.partname).idx for i in self.images]
            number = next((n for n in range(1, len(used) + 1) if n not in used), len(used) + 1)
            partname = f"/word/media/image{number}.{image.ext}"
            self.images.append(_Image(partname, image.content_type, image.blob))
        rels = template.document_rels + [(rid, RT.IMAGE, name, False) for rid, name in self.rels]
        rid = next((r for r, kind, target, ext in rels if kind == RT.IMAGE and not ext and target == partname), None)
        if rid is None:  # python-docx's Relationships._next_rId
            taken = {r for r, *_ in rels}
            rid = next(f"rId{n}" for n in range(1, len(rels) + 2) if f"rId{n}" not in taken)
            self.rels.append((rid, partname))
        cx, cy = image.scaled_dimensions(width, height)
        return CT_Inline.new_pic_inline(template.next_id, rid, image.filename, cx, cy)


@dataclass
class Compiled:
    """A template read and patched once; `fill` makes each document from it."""

    path: Path
    tpl: Any  # the docxtpl.DocxTemplate whose methods render each part
    body_source: str
    root: Any  # the document part's element, its body replaced by each document's
    stories: list[_Story]
    document: str  # the document part's name
    document_rels: list[tuple[str, str, str, bool]]  # (rId, type, target partname or address, external)
    next_id: int  # what python-docx's `next_id` gives a picture placed in the body
    image_sha1: dict[str, str]  # the template's own images: SHA-1 -> partname
    image_numbers: list[int | None]
    graph: dict[str, list[str]]  # partname -> the partnames it relates to ("/" for the package)
    with_rels: set[str]  # partnames that have a .rels part
    content_types: list[tuple[str, str]]  # (partname, content type) of every part
    constant: bytes  # a zip of every part that is the same in every document
    body: Any = None
    placing: _Placing = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)
    shell: _Shell | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.placing = _Placing(self)
        self.body = self.root.body
        self.shell = _shell(self.tpl.xml_to_string(self.root))  # docxtpl's serialisation of its parts

    def fill(self, context: dict[str, Any], pictures: dict[str, tuple[bytes, Any]], jinja_env: Any) -> bytes | None:
        """The .docx for `context`, with `pictures` (tag -> (PNG, width)) placed as
        docxtpl's InlineImage places them; None when this document needs docxtpl. Jinja's
        errors are raised as docxtpl raises them."""
        from docxtpl import InlineImage

        with self.lock:
            self.placing.reset()
            values = dict(context)
            for name, (data, width) in pictures.items():
                values[name] = InlineImage(self.tpl, io.BytesIO(data), width=width)
            try:
                return self._fill(values, jinja_env)
            except NeedsDocxtpl:
                return None

    def _fill(self, values: dict[str, Any], jinja_env: Any) -> bytes:
        from docx.opc.oxml import parse_xml, serialize_part_xml

        tpl = self.tpl
        tpl.docx_ids_index = 1000  # as docxtpl's render_init
        xml = tpl.render_xml_part(self.body_source, self.placing, values, jinja_env)
        whole = _in_shell(self.shell, xml)
        if whole is not None:  # the document part parsed whole: no body moved into the template's
            tree = tpl.fix_tables(whole)
            tpl.fix_docpr_ids(tree)
            blobs = {self.document: serialize_part_xml(tree)}
        else:
            tree = tpl.fix_tables(xml)
            tpl.fix_docpr_ids(tree)
            self.root.replace(self.body, tree)  # docxtpl's map_tree
            self.body = tree
            blobs = {self.document: serialize_part_xml(self.root)}
        for story in self.stories:
            xml = tpl.render_xml_part(story.source, story.part, values, jinja_env)
            blobs[story.partname] = serialize_part_xml(parse_xml(xml.encode(story.encoding)))
        return self._zip(blobs)

    def _zip(self, blobs: dict[str, bytes]) -> bytes:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.oxml import CT_Relationships
        from docx.opc.packuri import PackURI
        from docx.opc.pkgwriter import _ContentTypesItem

        placing = self.placing
        base = PackURI(self.document).baseURI
        rels = CT_Relationships.new()
        for rid, kind, target, external in self.document_rels:
            rels.add_rel(rid, kind, target if external else PackURI(target).relative_ref(base), external)
        for rid, partname in placing.rels:
            rels.add_rel(rid, RT.IMAGE, PackURI(partname).relative_ref(base), False)
        graph = dict(self.graph)
        graph[self.document] = graph[self.document] + [partname for _, partname in placing.rels]
        for image in placing.images:
            blobs[image.partname] = image.blob
        types = [_Typed(PackURI(name), kind) for name, kind in self.content_types]
        types += [_Typed(PackURI(i.partname), i.content_type) for i in placing.images]
        order = [CONTENT_TYPES, "_rels/.rels"]
        for partname in _walk(graph, "/", set()):
            order.append(partname[1:])
            if partname in self.with_rels or (partname == self.document and len(rels)):
                order.append(PackURI(partname).rels_uri.membername)
        out = io.BytesIO(self.constant)
        out.seek(0, io.SEEK_END)
        with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            _put(archive, CONTENT_TYPES, _ContentTypesItem.from_parts(types).blob)  # type: ignore[no-untyped-call]
            if len(rels):
                _put(archive, PackURI(self.document).rels_uri.membername, rels.xml)
            pictures = {image.partname for image in placing.images}
            for partname, blob in blobs.items():
                # a picture is a PNG, deflated already: stored as it is (python-docx deflates it
                # again, for 1 % and 5 ms a radar); the part's bytes are the same
                _put(archive, partname[1:], blob, zipfile.ZIP_STORED if partname in pictures else None)
            position = {name: n for n, name in enumerate(order)}
            archive.filelist.sort(key=lambda info: position[info.filename])  # python-docx's order
        return out.getvalue()


_TAG_WITH_DECLARATIONS = re.compile(r"<([^\s<>!?/]++)[^<>]* xmlns[^<>]*>")  # text holds no < or >: only tags match
_DECLARATION = re.compile(r' xmlns(?::([^\s=<>"/]+))?="([^"<>]*)"')  # its prefix (any name: é too) and namespace


@dataclass(frozen=True)
class _Shell:
    """The document part's text before and after its body, and the namespace declarations
    its root makes: whole (` xmlns:w="..."`), their prefixes ("" the default) and namespaces."""

    before: str
    after: str
    declared: frozenset[str]
    prefixes: frozenset[str]
    namespaces: frozenset[str]


def _shell(text: str) -> _Shell | None:
    """The document part's text (`text`) cut around its body; None when its body cannot be
    found as plain text.

    docxtpl renders the body alone and moves the parsed body into the template's document
    element, which lxml does by walking every element of it to fix its namespaces: a
    quarter of a letter's filling. `_in_shell` puts the rendered body's text in the
    document's instead, and the whole is parsed once. The move drops, from the body and
    the elements in it (a picture's inline XML declares its namespaces), each declaration
    of a namespace declared already around it, whatever its prefix, and renames what uses
    it; the same are dropped from the text when they are the root's own (the same prefix
    for the same namespace), and any other case falls back to the move (`_in_shell`).
    tests/test_fill.py compares every part with docxtpl's, byte for byte, pictures, tables,
    hostile values, docxtpl's features and templates edited by hand included."""
    start, end = text.find("<w:body"), text.rfind("</w:body>")
    opening = text.find(">", 0, start)
    if start < 0 or end < start or opening < 0 or text.count("<w:body") != 1:
        return None
    declarations = list(_DECLARATION.finditer(text, 0, opening))
    if text.count(" xmlns", 0, opening) != len(declarations):
        return None
    return _Shell(
        text[:start],
        text[end + len("</w:body>") :],
        frozenset(d.group(0) for d in declarations),
        frozenset(d.group(1) or "" for d in declarations),
        frozenset(d.group(2) for d in declarations),
    )


def _in_shell(shell: _Shell | None, body: str) -> str | None:
    """The document part's text with `body`, the rendered body, in its place; None when the
    text could differ from what the move makes (then the body is moved, as docxtpl does):
    a comment, CDATA or processing instruction in the body (its text may look like tags), a
    declaration other than the root's of one of the root's prefixes or namespaces (the move
    renames or keeps what the text would not), or of a namespace declared already by an
    element around it in the body (the move drops it)."""
    if shell is None or not body.startswith("<w:body") or not body.endswith("</w:body>"):
        return None
    if "<!" in body or "<?" in body:
        return None
    pieces: list[str] = []
    done = 0
    kept: list[tuple[int, str, set[str], bool]] = []  # where, the element's name, namespaces declared, empty
    for tag in _TAG_WITH_DECLARATIONS.finditer(body):
        text = tag.group(0)
        declarations = list(_DECLARATION.finditer(text))
        if text.count(" xmlns") != len(declarations):
            return None
        namespaces: set[str] = set()
        for declaration in declarations:
            if declaration.group(0) in shell.declared:
                pieces.append(body[done : tag.start() + declaration.start()])
                done = tag.start() + declaration.end()
                continue
            if (declaration.group(1) or "") in shell.prefixes or declaration.group(2) in shell.namespaces:
                return None
            namespaces.add(declaration.group(2))
        if namespaces:
            kept.append((tag.start(), tag.group(1), namespaces, text.endswith("/>")))
    pieces.append(body[done:])
    for n, (start, name, namespaces, empty) in enumerate(kept):
        if empty:
            continue
        end = body.find(f"</{name}>", start)
        if end < 0 or _opens(body, name, start + 1, end):  # nested in itself: not followed
            return None
        for inner, _, declared, _ in kept[n + 1 :]:
            if inner > end:
                break
            if namespaces & declared:
                return None
    return shell.before + "".join(pieces) + shell.after


def _opens(text: str, name: str, start: int, end: int) -> bool:
    """Whether an element `name` opens in `text[start:end]` (a:graphic, not a:graphicData)."""
    at = text.find(f"<{name}", start, end)
    while at >= 0:
        if text[at + len(name) + 1] in " />":
            return True
        at = text.find(f"<{name}", at + 1, end)
    return False


_STAMP = (1980, 1, 1, 0, 0, 0)  # every part's time in the archive: the earliest a zip file holds


def _put(archive: zipfile.ZipFile, name: str, data: bytes | str, compress: int | None = None) -> None:
    """Write a part with a fixed time, not the clock's: the same document rendered again is
    the same file, byte for byte, so that the mailroom (whose key is the digest of what a
    message carries) does not send every cluster its unchanged documents again after a
    re-run of `certify` or `letters`."""
    info = zipfile.ZipInfo(name, date_time=_STAMP)
    info.compress_type = archive.compression if compress is None else compress
    info.external_attr = 0o600 << 16  # as writestr gives a part named by text
    archive.writestr(info, data)


@dataclass
class _Typed:
    partname: Any
    content_type: str


def _walk(graph: dict[str, list[str]], source: str, visited: set[str]) -> Iterator[str]:
    """python-docx's OpcPackage.iter_parts: depth first along the relationships."""
    for target in graph.get(source, []):
        if target not in visited:
            visited.add(target)
            yield target
            yield from _walk(graph, target, visited)


# --- compiling --------------------------------------------------------------------------------

_compiled: dict[tuple[str, str], Compiled | None] = {}
_compiling = threading.Lock()


def compiled(template: Path, jinja_env: Any) -> Compiled | None:
    """`template` compiled, once per process and version of the file (its path and the
    digest of its bytes: not its time and size, which an edit may leave as they were on a
    file system that keeps times to the second, or after `cp -p`); None when docxtpl must
    render it (see the module's docstring)."""
    data = template.read_bytes()  # a template is tens of kilobytes: read and hashed in microseconds
    key = (str(template.resolve()), hashlib.sha256(data).hexdigest())
    with _compiling:
        if key not in _compiled:
            if len(_compiled) >= _CACHE_SIZE:
                _compiled.clear()
            try:
                _compiled[key] = compile_template(template, jinja_env, data)
            except Exception:  # whatever it is, docxtpl raises it again, as it always did
                _compiled[key] = None
        return _compiled[key]


def compile_template(template: Path, jinja_env: Any, data: bytes | None = None) -> Compiled | None:
    """`template` compiled from `data`, its bytes (read from the file when None): the version
    the cache's key names, even if the file is replaced meanwhile."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(template.read_bytes() if data is None else data))
    tpl.init_docx()
    tpl.resolve_listing = _listing_resolver(tpl)
    docx = tpl.docx
    package = docx.part.package
    try:
        package.part_related_by(RT.CORE_PROPERTIES)
    except KeyError:  # python-docx would make one, dated when the document is saved
        return None
    if any(_has_tags(getattr(docx.core_properties, name) or "") for name in CORE_PROPERTIES):
        return None
    for part in package.parts:
        if part.content_type == FOOTNOTES and _has_tags(tpl.patch_xml(_text(part.blob))):
            return None

    document = docx.part
    body_source = tpl.patch_xml(tpl.get_xml())
    next_id = document.next_id
    stories: list[_Story] = []
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):  # docxtpl's build_headers_footers_xml, in its order
        for rel_key, part in list(tpl.get_headers_footers(uri)):
            xml = tpl.get_part_xml(part)
            encoding = tpl.get_headers_footers_encoding(xml)
            source = tpl.patch_xml(xml)
            if _has_tags(source):
                stories.append(_Story(str(part.partname), source, encoding, _Placing(None)))
            else:  # the same in every document: rendered once, as docxtpl renders it
                rendered = tpl.render_xml_part(source, part, {}, jinja_env)
                tpl.map_headers_footers_xml(rel_key, rendered.encode(encoding))
    tpl.render_properties({}, jinja_env)  # no tags: the same whatever the values
    tpl.render_footnotes({}, jinja_env)

    varying = {str(document.partname)} | {s.partname for s in stories}
    graph: dict[str, list[str]] = {
        "/": [str(r.target_part.partname) for r in package.rels.values() if not r.is_external]
    }
    with_rels: set[str] = set()
    content_types: list[tuple[str, str]] = []
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _put(archive, "_rels/.rels", package.rels.xml)
        for part in package.iter_parts():
            name = str(part.partname)
            content_types.append((name, part.content_type))
            graph[name] = [str(r.target_part.partname) for r in part.rels.values() if not r.is_external]
            if len(part.rels):
                with_rels.add(name)
            if name in varying:
                if name != str(document.partname) and len(part.rels):
                    _put(archive, part.partname.rels_uri.membername, part.rels.xml)
                continue
            _put(archive, part.partname.membername, part.blob)
            if len(part.rels):
                _put(archive, part.partname.rels_uri.membername, part.rels.xml)
    images = list(package.image_parts)
    tpl.docx = tpl.current_rendering_part = None  # the package read (styles, theme ...: megabytes) is done with
    return Compiled(
        path=template,
        tpl=tpl,
        body_source=body_source,
        root=docx.element,
        stories=stories,
        document=str(document.partname),
        document_rels=[
            (r.rId, r.reltype, r.target_ref if r.is_external else str(r.target_part.partname), r.is_external)
            for r in document.rels.values()
        ],
        next_id=next_id,
        image_sha1={p.sha1: str(p.partname) for p in reversed(images)},  # the first of equal ones wins
        image_numbers=[p.partname.idx for p in images],
        graph=graph,
        with_rels=with_rels,
        content_types=content_types,
        constant=out.getvalue(),
    )


def _listing_resolver(tpl: Any) -> Any:
    """docxtpl's `resolve_listing`, skipped where it returns the XML unchanged: it rewrites
    only tabs, \\a, new lines and page breaks, and only inside a `<w:t>` text (from a `<w:t`
    to the next `</w:t>`), which most documents do not have."""
    resolve = tpl.resolve_listing

    def resolve_listing(xml: str) -> str:
        return resolve(xml) if _LISTING_TEXT.search(xml) else xml

    return resolve_listing


def _text(blob: bytes | str) -> str:
    return blob.decode("utf-8") if isinstance(blob, bytes) else blob
