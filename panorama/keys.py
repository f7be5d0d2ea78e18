"""Every Redis key name of the panorama area: tours (per lot) and build jobs."""

from __future__ import annotations


def current_key(lot_id: int) -> str:
    return f"tour:{{{lot_id}}}:current"


def version_key(lot_id: int, version: int) -> str:
    return f"tour:{{{lot_id}}}:v:{version}"


def versions_key(lot_id: int) -> str:
    return f"tour:{{{lot_id}}}:versions"


def job(job_id: str) -> str:
    return f"panojob:{{{job_id}}}"


def job_lease(job_id: str) -> str:
    return f"panojob:{{{job_id}}}:lease"
