"""Roles and the one table of what each role may do (the route x role policy)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    APPROVER = "approver"
    ASSESSOR = "assessor"
    PROCUREMENT = "procurement"
    ORG_REPORTER = "org_reporter"
    VENDOR = "vendor"


ANONYMOUS = "anonymous"
ALL_ROLES = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.APPROVER, Role.ASSESSOR, Role.PROCUREMENT})

# permission -> roles that hold it. Ownership rules (a vendor edits only its own
# solutions, an org_reporter only its own organisation's records) are checked in
# the services on top of this table.
PERMISSIONS: dict[str, frozenset[str]] = {
    "catalogue.read": ALL_ROLES | {ANONYMOUS},
    "catalogue.read_unpublished": STAFF | {Role.VENDOR},
    "organisation.write": frozenset({Role.ADMIN}),
    "vendor.create": frozenset({Role.ADMIN, Role.PROCUREMENT}),
    "vendor.update": frozenset({Role.ADMIN, Role.PROCUREMENT, Role.VENDOR}),
    "solution.create": frozenset({Role.ADMIN, Role.PROCUREMENT, Role.VENDOR}),
    "solution.update": frozenset({Role.ADMIN, Role.PROCUREMENT, Role.VENDOR}),
    "project.create": frozenset({Role.ADMIN, Role.PROCUREMENT, Role.ORG_REPORTER}),
    "project.update": frozenset({Role.ADMIN, Role.PROCUREMENT, Role.ORG_REPORTER}),
    "need.create": frozenset({Role.ADMIN, Role.PROCUREMENT, Role.ORG_REPORTER}),
    "need.update": frozenset({Role.ADMIN, Role.PROCUREMENT, Role.ORG_REPORTER}),
    "need.endorse": frozenset({Role.ADMIN, Role.PROCUREMENT, Role.ORG_REPORTER}),
    "record.delete": frozenset({Role.ADMIN}),
    "assessment.read": STAFF,
    "assessment.write": frozenset({Role.ADMIN, Role.ASSESSOR}),
    "assessment.review": frozenset({Role.ADMIN, Role.ASSESSOR}),
    "assessment.vendor_answer": frozenset({Role.VENDOR}),
    "audit.read": STAFF,
    "benchmark.read": ALL_ROLES | {ANONYMOUS},
    "benchmark.report": frozenset({Role.ADMIN, Role.ORG_REPORTER}),
    "contract.report": frozenset({Role.ADMIN, Role.ORG_REPORTER, Role.VENDOR}),
    "contract.manage": frozenset({Role.ADMIN, Role.PROCUREMENT}),
    "approval.apply": frozenset({Role.ADMIN, Role.APPROVER, Role.PROCUREMENT, Role.VENDOR}),
    "approval.decide": frozenset({Role.ADMIN, Role.APPROVER}),
    "approval.evidence": frozenset({Role.ADMIN, Role.APPROVER, Role.VENDOR}),
    "approval.dashboard": frozenset({Role.ADMIN, Role.APPROVER}),
    "users.manage": frozenset({Role.ADMIN}),
    "framework.manage": frozenset({Role.ADMIN}),
    "programme.manage": frozenset({Role.ADMIN}),
}


def allowed(role: str | None, permission: str) -> bool:
    return (role or ANONYMOUS) in PERMISSIONS[permission]
