"""Paging through a word search: what an archivist or a staff member clicks through page by page must
hold every document they may see exactly once, in the promised order, and nothing they may not see."""
from __future__ import annotations

from storage.search import SearchQuery
from tests.storage.archive.conftest import add_text, exemption

# (unit, class) of each document, in the order they are filed; every title and body has the same
# length and holds the search word once, so all rank equal and relevance falls back to newest first.
FILED = [("BIRO_ORG", "setiap_saat"), ("BKD", "dikecualikan"), ("BIRO_ORG", "dikecualikan"),
         ("BIRO_ORG", "berkala"), ("BKD", "dikecualikan"), ("BIRO_ORG", "setiap_saat"),
         ("BIRO_ORG", "dikecualikan"), ("BKD", "berkala")]


def _file_all(archive, viewers) -> list[tuple[int, str, str]]:
    filed = []
    for n, (unit, klasifikasi) in enumerate(FILED):
        document = add_text(archive, viewers["admin"], f"Pagu {n}", f"anggaran nomor {n}", unit=unit,
                            klasifikasi=klasifikasi)
        filed.append((document.id, unit, klasifikasi))
    return filed


def _all_pages(archive, viewer, **criteria) -> list[int]:
    first = archive.search(viewer, SearchQuery(text="anggaran", per_page=3, **criteria))
    pages = [first] + [archive.search(viewer, SearchQuery(text="anggaran", per_page=3, page=n, **criteria))
                       for n in range(2, first.pages + 1)]
    assert all(page.total == first.total for page in pages)
    return [hit.document.id for page in pages for hit in page.hits]


def test_word_search_pages_hold_each_visible_document_once_newest_first(archive, viewers):
    filed = _file_all(archive, viewers)
    newest_first = [document_id for document_id, _unit, _class in reversed(filed)]
    assert _all_pages(archive, viewers["ppid"]) == newest_first
    assert _all_pages(archive, viewers["ppid"], order="date") == newest_first
    # staff of BKD: the public classes and their own unit's exempt documents, not BIRO_ORG's
    seen = [document_id for document_id, unit, klasifikasi in reversed(filed)
            if klasifikasi != "dikecualikan" or unit == "BKD"]
    assert _all_pages(archive, viewers["staff_bkd"]) == seen
    exempt = archive.search(viewers["staff_bkd"], SearchQuery(text="anggaran", klasifikasi="dikecualikan",
                                                              order="date"))
    assert [hit.document.id for hit in exempt.hits] == [document_id for document_id, unit, klasifikasi
                                                       in reversed(filed) if (unit, klasifikasi) == ("BKD", "dikecualikan")]
    assert {v.value: v.count for v in exempt.facets["klasifikasi"]} == {"setiap_saat": 2, "berkala": 2,
                                                                        "dikecualikan": 2}
    assert {v.value: v.count for v in exempt.facets["unit"]} == {"BKD": 2}


def test_the_page_read_applies_the_access_rule_again(archive, viewers):
    """SQLite ranks the matches and reads the page's rows in two statements, each with its own snapshot:
    a document reclassified as exempt in between must not reach the page of someone not entitled."""
    from storage.search import _sqlite_documents
    document = add_text(archive, viewers["admin"], "Pagu", "anggaran rahasia", unit="BIRO_ORG",
                        klasifikasi="setiap_saat")
    archive.reclassify(viewers["ppid"], document.id, "dikecualikan", exemption())  # after the ranking, say
    if archive.db.engine.dialect.name == "sqlite":  # PostgreSQL ranks and reads the page in one statement
        with archive.db.session() as session:
            assert _sqlite_documents(session, ["anggaran"], [document.id], viewers["staff_bkd"]) == {}
            assert set(_sqlite_documents(session, ["anggaran"], [document.id], viewers["ppid"])) == {document.id}
    assert archive.search(viewers["staff_bkd"], SearchQuery(text="anggaran")).total == 0
