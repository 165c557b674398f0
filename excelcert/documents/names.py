"""The file names of the documents a cluster receives, in the cluster's language.

Every file in a cluster's documents folder is mailed to the cluster, as an attachment whose
name the manager reads beside a message in their language: so every one is named in that
language, the words below and the label's name as the scheme gives it in that language
("DE-AUTO-01 Zertifikat Gold.docx", "DE-AUTO-01 Siegel Gold.png", "FR-AERO-01 certificat
Argent.docx"). The cluster id comes first, so that the secretariat sorts and finds them in
any language. Files the secretariat keeps for itself or publishes for everyone (results,
import reports, the public list) keep their fixed names.

`is_document` recognises a document under the name of any language, and under the names
earlier versions of excelcert gave (English words, the label's id), so that a document
written again replaces its older copies instead of lying beside them."""

from __future__ import annotations

from excelcert.base.files import safe_filename

# the kinds of document, each with its word per language: a word never contains another's
FILE_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "certificate": "certificate",
        "seal": "seal",
        "letter": "letter",
        "benchmark": "benchmarking report",
        "correction": "corrections",
    },
    "fr": {
        "certificate": "certificat",
        "seal": "sceau",
        "letter": "lettre",
        "benchmark": "rapport de benchmarking",
        "correction": "corrections",
    },
    "de": {
        "certificate": "Zertifikat",
        "seal": "Siegel",
        "letter": "Brief",
        "benchmark": "Benchmarking-Bericht",
        "correction": "Korrekturen",
    },
}
LABELLED = ("certificate", "seal")  # the kinds whose name ends with the label's name
SUFFIXES = {"seal": (".png", ".svg")}  # else a Word file and its PDF
_EARLIER = {"benchmark": ("benchmarking",)}  # words of earlier versions that no language uses now


def file_word(kind: str, lang: str) -> str:
    return FILE_WORDS.get(lang, FILE_WORDS["en"])[kind]


def document_stem(kind: str, cluster_id: str, lang: str, label_name: str | None = None) -> str:
    """The file name without its suffix: "<cluster> <word>", and " <label>" for a certificate
    or seal (the label's name in `lang`)."""
    stem = f"{cluster_id} {file_word(kind, lang)}"
    return f"{stem} {safe_filename(label_name or '')}" if kind in LABELLED else stem


def document_name(kind: str, cluster_id: str, lang: str, label_name: str | None = None) -> str:
    """The document's file name: its stem with .docx (a seal: .png; its SVG has the same stem)."""
    return document_stem(kind, cluster_id, lang, label_name) + SUFFIXES.get(kind, (".docx",))[0]


def _words(kind: str) -> set[str]:
    return {words[kind] for words in FILE_WORDS.values()} | set(_EARLIER.get(kind, ()))


def is_document(name: str, kind: str, cluster_id: str) -> bool:
    """Whether a file name is one excelcert gives a document of `kind` of the cluster, in any
    language (or as an earlier version named it), for any label."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix}" not in SUFFIXES.get(kind, (".docx", ".pdf")):
        return False
    prefix = f"{cluster_id} "
    if not stem.startswith(prefix):
        return False
    rest = stem[len(prefix) :]
    if kind in LABELLED:
        return any(rest.startswith(f"{word} ") and rest[len(word) + 1 :] for word in _words(kind))
    return rest in _words(kind)
