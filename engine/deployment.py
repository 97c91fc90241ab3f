"""Deploying BPMN files as versioned process models."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit
from engine.bpmn_model import ParsedModel, parse_model
from engine.errors import NotFound
from engine.models import ProcessModel


@dataclass(frozen=True)
class Deployment:
    model: ProcessModel
    parsed: ParsedModel
    created: bool


def deploy(session: Session, xml: bytes, filename: str, by: str = "system") -> Deployment:
    """Deploy a file as the next version of its process, unless that exact content is deployed.

    Running instances keep the version they started with: versions are never updated in place.
    """
    parsed = parse_model(xml, filename)
    digest = hashlib.sha256(xml).hexdigest()
    existing = session.scalar(select(ProcessModel).where(ProcessModel.key == parsed.key, ProcessModel.sha256 == digest))
    if existing is not None:
        return Deployment(existing, parsed, created=False)
    version = (session.scalar(select(func.max(ProcessModel.version)).where(ProcessModel.key == parsed.key)) or 0) + 1
    model = ProcessModel(key=parsed.key, version=version, name=parsed.name, filename=filename,
                         bpmn_xml=xml.decode("utf-8"), sha256=digest, deployed_by=by)
    session.add(model)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise
    audit.record(session, by, "process.deployed", "process_model", model.id, key=model.key, version=version)
    return Deployment(model, parsed, created=True)


def latest_model(session: Session, key: str) -> ProcessModel:
    model = session.scalar(
        select(ProcessModel).where(ProcessModel.key == key).order_by(ProcessModel.version.desc()).limit(1)
    )
    if model is None:
        raise NotFound(f"process '{key}' is not deployed")
    return model


def latest_models(session: Session) -> list[ProcessModel]:
    newest = (select(ProcessModel.key, func.max(ProcessModel.version).label("v"))
              .group_by(ProcessModel.key).subquery())
    query = (select(ProcessModel)
             .join(newest, (ProcessModel.key == newest.c.key) & (ProcessModel.version == newest.c.v))
             .order_by(ProcessModel.key))
    return list(session.scalars(query))
