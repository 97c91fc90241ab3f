"""Task attachments: files a step's performer adds to a case, kept in the archive.

An attachment is an archive document not yet classified (``klasifikasi`` NULL: the access rule
treats it as possibly exempt, so only the holding unit and the PPID roles see it), filed for the
case's unit, with the SOP case and task it came from. Every step of the case (the step it was
added at, a step it was returned to, and later steps) lists the case's attachments; adding one is
also recorded on the case's timeline (``task.attachment_added``).

The caller has already checked that the user may see the task (``engine.inbox.TaskPage.view``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engine import audit
from engine.errors import NotFound
from engine.models import HumanTask, Unit
from engine.timeutil import as_utc
from storage.access import Viewer, visible
from storage.archive import ArchiveService
from storage.catalog import DocumentMetadata
from storage.models import Document

ATTACHED = "task.attachment_added"


@dataclass(frozen=True)
class Attachment:
    document_id: int
    title: str
    filename: str
    content_type: str
    size: int
    sha256: str
    task_id: int | None
    step: str | None
    task_name: str | None
    created_by: str
    created_at: datetime | None


def add_attachment(archive: ArchiveService, viewer: Viewer, task_id: int, stream: BinaryIO,
                   filename: str) -> Document:
    """Validate and store ``stream`` as an unclassified document of the task's case (UploadRejected:
    nothing stored), then note it on the case's timeline."""
    with archive.db.session() as session:
        task = session.get(HumanTask, task_id)
        if task is None:
            raise NotFound(f"task {task_id} not found")
        unit_code = session.scalar(select(Unit.code).where(Unit.id == task.unit_id))
        case_id, step, name = task.instance_id, task.step, task.name
    metadata = DocumentMetadata(title=filename, unit_code=unit_code, klasifikasi=None,
                                ringkasan=f"Lampiran langkah {step or '-'} ({name}), kasus #{case_id}",
                                source_case_id=case_id, source_task_id=task_id)
    document = archive.add(viewer, stream, filename, metadata)
    with archive.db.session() as session:
        # ``data.catatan`` is what the case timeline shows as the entry's note.
        audit.record(session, viewer.username, ATTACHED, "task", task_id, instance_id=case_id, step=step,
                     document_id=document.id, filename=document.current.original_filename,
                     data={"catatan": f"Lampiran: {document.current.original_filename}"})
    return document


def case_attachments(archive: ArchiveService, viewer: Viewer, case_id: int) -> list[Attachment]:
    """The case's attachments that ``viewer`` may see (the archive's access rule), oldest first."""
    with archive.db.session() as session:
        rows = session.execute(
            select(Document, HumanTask.step, HumanTask.name)
            .outerjoin(HumanTask, HumanTask.id == Document.source_task_id)
            .where(Document.source_case_id == case_id, visible(viewer))
            .options(selectinload(Document.versions))
            .order_by(Document.created_at, Document.id)).all()
        return [Attachment(document.id, document.title, document.current.original_filename,
                           document.current.content_type, document.current.size, document.current.sha256,
                           document.source_task_id, step, name, document.created_by, as_utc(document.created_at))
                for document, step, name in rows]
