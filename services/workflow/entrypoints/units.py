"""``GET /units``: the org directory's units, with their liaisons and heads; ``GET /leaders``:
the city's leaders an item may name (责任领导)."""

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

    @router.get("/leaders")
    async def list_leaders() -> dict[str, object]:
        """The leaders an item's registration may name as its responsible leader (责任领导)."""
        leaders = [{"username": u.username, "name": u.name, "title": u.title,
                    "secretary_general": u.secretary_general} for u in directory.users_with_role(Role.leader)]
        return {"items": leaders, "total": len(leaders)}

    @router.get("/units/{unit_id}", responses=errors(404))
    async def get_unit(unit_id: Annotated[str, Path(max_length=64)]) -> dict[str, object]:
        unit = directory.unit(unit_id)
        if unit is None:
            raise HTTPException(404, detail=f"unit {unit_id!r} not found")
        return describe(unit)

    return router
