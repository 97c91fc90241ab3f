"""The core rule: exempt (and not yet classified) documents never reach anyone not entitled to them.

For every kind of viewer and every class: search hits, totals, facet counts, snippets, lists, get,
download and presigned URL. Each document carries a unique word, so a leak through any of these
paths shows up as that word or that document.
"""
from __future__ import annotations

import pytest

from engine.errors import NotFound
from storage.access import Viewer
from storage.archive import ArchiveError
from storage.search import SearchQuery
from tests.storage.archive.conftest import add_text

# title -> (holding unit, klasifikasi, published, unique word)
DOCUMENTS = {
    "Jadwal berkala": ("BKD", "berkala", True, "kalender"),
    "Peringatan banjir": ("BKD", "serta_merta", True, "evakuasi"),
    "SOP layanan": ("BKD", "setiap_saat", False, "prosedur"),
    "Data pribadi pegawai": ("BKD", "dikecualikan", False, "rahasiapegawai"),
    "Lampiran belum diklasifikasi": ("BKD", None, False, "lampiranmentah"),
    "Memo internal biro": ("BIRO_ORG", "dikecualikan", False, "memobiro"),
}


def entitled(username: str, unit: str, klasifikasi: str | None, published: bool) -> bool:
    if username == "public":
        return klasifikasi not in (None, "dikecualikan") and published
    if klasifikasi not in (None, "dikecualikan"):
        return True
    home = {"staff_bkd": "BKD", "staff_org": "BIRO_ORG", "atasan": "BIRO_ORG"}.get(username)
    return username in ("admin", "ppid", "atasan") or home == unit


@pytest.fixture
def catalogued(archive, viewers):
    ids = {}
    for title, (unit, klasifikasi, published, word) in DOCUMENTS.items():
        document = add_text(archive, viewers["admin"], title, f"dokumen {word} arsip", unit=unit,
                            klasifikasi=klasifikasi, published=published)
        ids[title] = document.id
    return ids


def test_no_path_shows_a_document_to_a_viewer_not_entitled_to_it(archive, viewers, catalogued):
    everyone = {**viewers, "public": Viewer.public()}
    is_s3 = type(archive.store).__name__ == "S3Store"
    for username, viewer in everyone.items():
        allowed = {title for title, (unit, klass, published, _w) in DOCUMENTS.items()
                   if entitled(username, unit, klass, published)}
        common = archive.search(viewer, text="dokumen arsip", per_page=100)
        assert {hit.document.title for hit in common.hits} == allowed, username
        assert common.total == len(allowed), username
        for name, values in common.facets.items():
            assert sum(v.count for v in values) == len(allowed) or name == "sop", (username, name)
        classes = {v.value for v in common.facets["klasifikasi"]}
        assert classes == {DOCUMENTS[t][1] or "belum" for t in allowed}, username
        snippets = " ".join(hit.snippet.plain() for hit in common.hits)
        listed = archive.list(viewer, per_page=100)
        assert {hit.document.title for hit in listed.hits} == allowed, username
        for title, document_id in catalogued.items():
            word = DOCUMENTS[title][3]
            found = archive.search(viewer, text=word)
            if title in allowed:
                assert found.total == 1 and archive.get(viewer, document_id).title == title
                with archive.open_content(viewer, document_id) as reader:
                    assert word.encode() in reader.read()
                continue
            assert found.total == 0 and found.hits == [], (username, title)
            assert all(v.count == 0 for values in found.facets.values() for v in values)
            assert word not in snippets
            for attempt in (lambda: archive.get(viewer, document_id),
                            lambda: archive.open_content(viewer, document_id),
                            lambda: archive.open_content(viewer, document_id, version=1)):
                with pytest.raises(NotFound, match=f"document {document_id} does not exist"):
                    attempt()
            with pytest.raises(NotFound if is_s3 else (NotFound, ArchiveError)):
                archive.presigned_url(viewer, document_id)


def test_a_missing_id_and_a_forbidden_id_look_the_same(archive, viewers, catalogued):
    forbidden = catalogued["Memo internal biro"]
    with pytest.raises(NotFound) as hidden:
        archive.get(viewers["staff_bkd"], forbidden)
    with pytest.raises(NotFound) as missing:
        archive.get(viewers["staff_bkd"], 987654)
    assert str(hidden.value).replace(str(forbidden), "N") == str(missing.value).replace("987654", "N")


def test_facet_filters_cannot_reveal_exempt_documents(archive, viewers, catalogued):
    staff = viewers["staff_org"]
    exempt_bkd = archive.search(staff, SearchQuery(klasifikasi="dikecualikan", unit="BKD"))
    assert exempt_bkd.total == 0 and exempt_bkd.hits == []
    own = archive.search(staff, SearchQuery(klasifikasi="dikecualikan"))
    assert [hit.document.title for hit in own.hits] == ["Memo internal biro"]
    assert archive.search(staff, SearchQuery(klasifikasi="belum")).total == 0


def test_exempt_roles_are_configurable(archive_db, viewers, monkeypatch):
    from storage.access import load_viewer
    monkeypatch.setenv("ALUR_EXEMPT_ROLES", "Kasubbag/Kepala Seksi")
    with archive_db.session() as session:
        assert load_viewer(session, "staff_org").sees_exempt
        assert not load_viewer(session, "ppid").sees_exempt
        assert load_viewer(session, "admin").sees_exempt


def test_only_ppid_roles_change_a_class(archive, viewers, catalogued):
    from engine.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        archive.reclassify(viewers["staff_bkd"], catalogued["SOP layanan"], "berkala")
    changed = archive.reclassify(viewers["ppid"], catalogued["SOP layanan"], "berkala")
    assert changed.klasifikasi == "berkala" and changed.current.number == 2
