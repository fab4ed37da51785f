"""The routers of alerts and saved searches, included by the app as one."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import alert_rules, alerts, searches

router = APIRouter()
router.include_router(alert_rules.router)
router.include_router(alerts.router)
router.include_router(searches.router)
