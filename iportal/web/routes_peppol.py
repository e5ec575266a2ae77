"""The access point's callback (issue 18): POST /peppol/responses.

The body is one response, as a file of the inbox would hold it: a transmission report
(JSON), a Message Level Response or an Invoice Response (UBL XML). It is checked,
written to <data_dir>/peppol/inbox/ (so nothing is lost if the warehouse is busy: the
next run reads it) and recorded at once. Off unless `peppol_callback_token` is set;
callers send `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from config import load_settings
from iportal.web.store import open_warehouse
from tasks.peppol.responses import BadResponse, ingest_inbox, parse_response, write_to_inbox
from warehouse.lock import WarehouseBusy

router = APIRouter()
MAX_BYTES = 5_000_000  # an MLR or Invoice Response is a few kB


def authorised(request: Request, token) -> bool:
    given = request.headers.get("authorization", "").encode()
    return hmac.compare_digest(given, f"Bearer {token.get_secret_value()}".encode())


def record_one(config, settings, path) -> dict:
    enterprises = {p: i.enterprise_number for p, i in settings.issuers.items()}
    try:
        with open_warehouse(config) as con:
            counts = ingest_inbox(con, settings.peppol_inbox_dir, enterprises,
                                  "peppol-callback", paths=[path])  # fmt: skip
    except WarehouseBusy:
        return {"recorded": 0, "queued": True}  # in the inbox: the next run records it
    return {"recorded": counts.recorded, "unmatched": counts.unmatched,
            "already": counts.already, "queued": False}  # fmt: skip


@router.post("/peppol/responses")
async def receive_response(request: Request) -> JSONResponse:
    config = request.app.state.config
    settings = load_settings(config.data_dir)
    token = settings.peppol_callback_token
    if token is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    if not authorised(request, token):
        return JSONResponse({"error": "unauthorised"}, status_code=401)
    body = await request.body()
    if len(body) > MAX_BYTES:
        return JSONResponse({"error": "too large"}, status_code=413)
    try:
        response = parse_response(body)
    except BadResponse as error:  # the sender keeps it and hears why
        return JSONResponse({"error": str(error)}, status_code=422)
    path = write_to_inbox(settings.peppol_inbox_dir, body)
    answer = await run_in_threadpool(record_one, config, settings, path)
    return JSONResponse(answer | {"kind": response.kind, "code": response.code}, status_code=202)
