"""Publishing from the SOPs: the step that publishes makes the case's public documents public.

A step marked ``publish="..."`` on its ``alur:mutuBaku`` (seed 003 step 7 "publikasi melalui
website", seed 004 step 6 "upload DIP", seed 002 step 3 "umumkan maklumat", seed 000 step 5
"kirim ke Pusat Data") publishes, when it is completed, every document filed on its case whose
class is public (berkala, serta merta, setiap saat: UU 14/2008 Pasal 9-11).

Exempt (dikecualikan, Pasal 17) and unclassified documents are never published, whatever the
process says: each refusal is written to the audit trail (``document.publication_refused``) in
the same transaction as the completion. The public pages read ``Document.published`` through
``storage.access.visible(Viewer.public())``, so what is published shows at once.

The hook registers itself with the runtime when this module is imported.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.runtime import StepCompleted, register_completion_hook
from storage.models import EXEMPT_CLASS, PUBLIC_CLASSES, Document

CHANNEL_LABELS = {"website": "website", "pengumuman": "pengumuman", "pusat_data": "Pusat Data"}


@dataclass(frozen=True)
class PublicationResult:
    published: list[int]
    refused: list[int]


def publish_case_documents(session: Session, instance_id: int, actor: str, channel: str,
                           task_id: int | None = None) -> PublicationResult:
    """Publish the case's public documents; refuse (and audit) the exempt and unclassified ones."""
    documents = session.scalars(select(Document).where(Document.source_case_id == instance_id)
                                .order_by(Document.id).with_for_update())
    published, refused = [], []
    for document in documents:
        if document.klasifikasi in PUBLIC_CLASSES:
            if not document.published:
                document.published = True
                audit.record(session, actor, "document.published", "document", document.id, instance_id,
                             channel=channel, task_id=task_id, klasifikasi=document.klasifikasi)
            published.append(document.id)
            continue
        reason = ("dikecualikan (UU 14/2008 Pasal 17)" if document.klasifikasi == EXEMPT_CLASS
                  else "belum diklasifikasikan")
        document.published = False
        audit.record(session, actor, "document.publication_refused", "document", document.id, instance_id,
                     channel=channel, task_id=task_id, klasifikasi=document.klasifikasi, reason=reason)
        refused.append(document.id)
    return PublicationResult(published, refused)


def on_step_completed(session: Session, step: StepCompleted) -> None:
    """The completion hook: only steps that carry a ``publish`` marker do anything."""
    channel = getattr(step.info, "publish", None)
    if channel:
        publish_case_documents(session, step.instance_id, step.actor, channel, step.task_id)


register_completion_hook(on_step_completed)
