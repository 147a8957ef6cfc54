"""Tag stored bill versions and write Tag and VersionClassification rows."""

from __future__ import annotations

import logging

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

import classifier
from billwatch.db.models import BillVersion, Tag, VersionClassification
from classifier.tagger import DocResult

log = logging.getLogger(__name__)


def pending_version_ids(
    session: Session, version: str, pending_only: bool, limit: int | None
) -> list[int]:
    """Ids of versions with text, not yet tagged by `version` when `pending_only`."""
    query = select(BillVersion.id).where(BillVersion.text != "").order_by(BillVersion.id)
    if pending_only:
        done = exists().where(
            VersionClassification.version_id == BillVersion.id,
            VersionClassification.classifier_version == version,
        )
        query = query.where(~done)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def write_result(session: Session, row: BillVersion, result: DocResult, version: str) -> None:
    """Replace this classifier version's tags of `row` with the bill's tags (those the bill gate
    keeps), each on the sections that raise it, keeping people's reviews of kept tags."""
    old = {
        (t.section_index, t.tag): t
        for t in session.scalars(
            select(Tag).where(Tag.version_id == row.id, Tag.classifier_version == version)
        )
    }
    keep = set()
    # Digests, alerts and analysts read these rows as the bill's tags: a tag that the bill
    # gate judged a slip of one section is left out, as it is from the stance.
    bill_tags = set(result.tags)
    for sec in result.sections:
        for ev in sec.evidence:
            if ev.tag not in bill_tags:
                continue
            key = (sec.index, ev.tag)
            keep.add(key)
            tag = old.get(key) or Tag(
                version_id=row.id, section_index=sec.index, tag=ev.tag, classifier_version=version
            )
            tag.section_label = sec.label[:100]
            tag.score = round(sec.scores[ev.tag], 4)
            tag.evidence = ev.quote
            tag.evidence_start, tag.evidence_end = ev.start, ev.end
            session.add(tag)
    for key, tag in old.items():
        if key not in keep and tag.review_state is None:
            session.delete(tag)
    vc = session.scalar(
        select(VersionClassification).where(
            VersionClassification.version_id == row.id,
            VersionClassification.classifier_version == version,
        )
    )
    vc = vc or VersionClassification(version_id=row.id, classifier_version=version)
    vc.stance = result.stance
    vc.scores = {t: round(s, 4) for t, s in result.scores.items()}
    session.add(vc)


def classify_versions(
    Session: sessionmaker[Session],
    *,
    pending_only: bool = True,  # noqa: N803
    limit: int | None = None,
) -> int:
    """Tag stored versions not yet tagged by this classifier; one transaction per version."""
    tagger = classifier.load()
    version = classifier.CLASSIFIER_VERSION
    with Session() as session:
        ids = pending_version_ids(session, version, pending_only, limit)
    done = 0
    for version_id in ids:
        with Session() as session, session.begin():
            row = session.get(BillVersion, version_id)
            if row is None:  # deleted since the query
                continue
            result = tagger.tag(
                row.text,
                [tuple(s) for s in row.inserted or []],
                [tuple(s) for s in row.struck or []],
            )
            write_result(session, row, result, version)
        done += 1
        log.debug("tagged version %s: %s", version_id, result.tags)
    return done
