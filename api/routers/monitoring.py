"""The routers of alerts (and people handling incidents) and saved searches, included by the app as one."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import alert_rules, alerts, incident_actions, searches

router = APIRouter()
router.include_router(alert_rules.router)
router.include_router(alerts.router)
router.include_router(incident_actions.router)
router.include_router(searches.router)
