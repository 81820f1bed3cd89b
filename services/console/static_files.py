"""The built web application: files of console/dist, and index.html for every other path the
application routes itself (/tasks/{id}, /items/{id}, … as the notification links name them)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

NOT_BUILT = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>督办平台</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>控制台尚未构建</h1><p>The console is not built: install Node.js 20 or later
(<a href="https://nodejs.org/">nodejs.org</a>, or <code>apt-get install nodejs npm</code>),
then run <code>cd console &amp;&amp; npm ci &amp;&amp; npm run build</code> (or <code>make run</code>).</p>
<p>The APIs answer under <code>/api/workflow</code>, <code>/api/ledger</code>, <code>/api/notification</code>
and <code>/api/reporting</code>.</p></body></html>"""

# hashed assets may be cached for good; index.html must be asked again so a new build shows
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
NO_CACHE = {"Cache-Control": "no-cache"}


def spa_router(dist: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    root = dist.resolve()

    @router.api_route("/{path:path}", methods=["GET", "HEAD"])
    async def page(path: str) -> object:
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        if path.startswith(("api/", "dev/")):
            raise HTTPException(404, "没有这个地址 (not found)")
        target = (root / path).resolve()
        if path and target.is_relative_to(root) and target.is_file():
            cache = IMMUTABLE if target.parent.name == "assets" else NO_CACHE
            return FileResponse(target, headers=cache)
        if path.startswith("assets/"):
            raise HTTPException(404, "没有这个文件 (no such asset)")
        return FileResponse(index, headers=NO_CACHE)

    return router
