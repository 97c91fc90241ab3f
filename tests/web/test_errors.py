"""Errors no blueprint answers get the app's own pages in Bahasa Indonesia; the API keeps JSON."""
from __future__ import annotations


def test_an_unknown_address_gets_an_indonesian_page(sqlite_app):
    response = sqlite_app.test_client().get("/tidak-ada-halaman-ini")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "Halaman tidak ditemukan" in page and "Not Found" not in page


def test_a_wrong_method_gets_an_indonesian_page_with_the_allowed_methods(sqlite_app):
    response = sqlite_app.test_client().put("/publik/permohonan")
    page = response.get_data(as_text=True)
    assert response.status_code == 405 and "Permintaan tidak diizinkan" in page and "Method Not Allowed" not in page
    assert "POST" in response.headers["Allow"]


def test_the_api_still_answers_routing_errors_in_json(sqlite_app):
    client = sqlite_app.test_client()
    missing, wrong = client.get("/api/v1/tidak-ada"), client.put("/api/v1/tasks")
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "not_found")
    assert (wrong.status_code, wrong.json["error"]["code"]) == (405, "method_not_allowed")
