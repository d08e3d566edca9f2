"""Parse one document (text or file) into a :class:`Document` of citable clauses."""
from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

from .annex import parse_annex, restated_targets, split_annexes
from .layout import split_layout
from .models import Clause, Document, DocumentMeta
from .paragraphs import to_paragraphs
from .reading import read_text
from .text import char_bigrams
from .structure import TITLE_NOTE_LABEL, Unit, build_body

UNTITLED = "（无标题文件）"


def doc_id_for(path: Path) -> str:
    """The default document id: the file name without its suffix."""
    return unicodedata.normalize("NFC", path.stem).strip()


def _clause_ids(doc_id: str, units: list[Unit]) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for unit in units:
        n = seen.get(unit.label, 0) + 1
        seen[unit.label] = n
        ids.append(f"{doc_id}:{unit.label}" + (f"@{n}" if n > 1 else ""))
    return ids


def _links(units: list[Unit], ids: list[str]) -> dict[str, list[str]]:
    """Annex rows ↔ the body/closing clauses they restate, both ways."""
    targets = [i for i, u in enumerate(units) if u.part in ("body", "closing", "preamble")]
    links: dict[str, list[str]] = {cid: [] for cid in ids}
    if not any(u.part == "annex" and u.responsible_units is not None for u in units):
        return links
    target_bigrams = [char_bigrams(units[j].text) for j in targets]
    for i, unit in enumerate(units):
        if unit.part != "annex" or unit.responsible_units is None:
            continue
        task = unit.text.split("\n")[0]
        for t in restated_targets(task, target_bigrams):
            target = ids[targets[t]]
            links[ids[i]].append(target)
            links[target].append(ids[i])
    return links


def parse_text(text: str, doc_id: str, suffix: str = ".txt", path: str = "", sha256: str = "") -> Document:
    """Parse decoded document text."""
    layout = split_layout(text, suffix)
    main_lines, annex_regions = split_annexes(layout.lines)
    body = build_body(to_paragraphs(main_lines, layout.markdown))
    units, headings = list(body.units), list(body.headings)
    if layout.title_note:  # 「（2024年12月30日）」 under the title: cited for when the document was issued or adopted
        units.insert(0, Unit(TITLE_NOTE_LABEL, None, "preamble", "", list(layout.title_note)))
    for region in annex_regions:
        annex_units, annex_headings = parse_annex(region, layout.markdown)
        units += annex_units
        headings += annex_headings

    meta = DocumentMeta(doc_id=doc_id, title=layout.meta.get("title") or UNTITLED, path=path, sha256=sha256,
                        **{k: layout.meta.get(k) for k in ("doc_number", "issuer", "date", "source_url", "status")})
    ids = _clause_ids(doc_id, units)
    links = _links(units, ids)
    clauses = [
        Clause(clause_id=cid, doc_id=doc_id, doc_title=meta.title, doc_number=meta.doc_number,
               label=u.label, number=u.number, part=u.part, section=u.section, text=u.text,
               ordinal=i, responsible_units=u.responsible_units, links=tuple(links[cid]))
        for i, (cid, u) in enumerate(zip(ids, units))
    ]
    body_text = "\n".join(layout.title_note + [l.text for l in layout.lines])
    return Document(meta=meta, clauses=clauses, header=layout.header, headings=headings, body=body_text)


def parse_file(path: Path, doc_id: str | None = None) -> Document:
    """Read and parse a file; raises :class:`policyqa.corpus.reading.UnreadableDocument` with the reason."""
    text, raw = read_text(path)
    return parse_text(text, doc_id or doc_id_for(path), path.suffix.lower(), str(path),
                      hashlib.sha256(raw).hexdigest())
