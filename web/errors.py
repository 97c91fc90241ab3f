"""The app's own pages for errors no blueprint answers (an unknown address, a wrong method, a fault),
in Bahasa Indonesia instead of Werkzeug's English defaults. Registered before the API's handlers,
which answer under /api/v1 in JSON and pass every other path here."""
from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

_PAGES = {
    404: ("Halaman tidak ditemukan", "Alamat yang Anda buka tidak ada. Periksa kembali alamatnya."),
    405: ("Permintaan tidak diizinkan", "Alamat ini tidak menerima permintaan seperti itu."),
    500: ("Terjadi kesalahan pada server", "Permintaan Anda tidak dapat diselesaikan. Coba lagi nanti; "
                                           "bila berulang, hubungi admin."),
}


def _page(error: HTTPException):
    title, message = _PAGES[error.code]
    response = render_template("error.html", title=title, message=message), error.code
    if error.code == 405 and error.valid_methods:
        return *response, {"Allow": ", ".join(error.valid_methods)}
    return response


def register(app: Flask) -> None:
    for status in _PAGES:
        app.register_error_handler(status, _page)
