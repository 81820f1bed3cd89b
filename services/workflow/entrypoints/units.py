"""``GET /units``: the org directory's units, with their liaisons and heads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from shared.errors import errors
from shared.identity import OrgDirectory, Role, Unit


def units_router(directory: OrgDirectory) -> APIRouter:
    router = APIRouter(tags=["directory"])

    def describe(unit: Unit) -> dict[str, object]:
        return {
            "id": unit.id,
            "name": unit.name,
            "kind": unit.kind,
            "liaisons": [u.username for u in directory.users_of(unit.id, Role.liaison)],
            "heads": [u.username for u in directory.users_of(unit.id, Role.head)],
        }

    @router.get("/units")
    async def list_units() -> dict[str, object]:
        """Every unit of the city: county/district governments, zones, departments, others."""
        units = [describe(u) for u in directory.units]
        return {"items": units, "total": len(units)}

    @router.get("/units/{unit_id}", responses=errors(404))
    async def get_unit(unit_id: Annotated[str, Path(max_length=64)]) -> dict[str, object]:
        unit = directory.unit(unit_id)
        if unit is None:
            raise HTTPException(404, detail=f"unit {unit_id!r} not found")
        return describe(unit)

    return router
